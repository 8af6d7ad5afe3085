package awsfront

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/xml"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// listBucketResult is ListObjectsV2's answer
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html).
type listBucketResult struct {
	XMLName               xml.Name     `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ListBucketResult"`
	Name                  string       `xml:"Name"`
	Prefix                string       `xml:"Prefix"`
	KeyCount              int          `xml:"KeyCount"`
	MaxKeys               int          `xml:"MaxKeys"`
	IsTruncated           bool         `xml:"IsTruncated"`
	ContinuationToken     string       `xml:"ContinuationToken,omitempty"`
	NextContinuationToken string       `xml:"NextContinuationToken,omitempty"`
	Contents              []listedItem `xml:"Contents"`
}

type listedItem struct {
	Key          string `xml:"Key"`
	LastModified string `xml:"LastModified"`
	ETag         string `xml:"ETag"`
	Size         int    `xml:"Size"`
	StorageClass string `xml:"StorageClass"`
}

// listObjectsV2 lists a bucket's keys under prefix in key order, max-keys
// (at most 1000) a page; the continuation token is the last key returned.
func (s *Server) listObjectsV2(w http.ResponseWriter, r *http.Request, c credential, bucket, reqID string) {
	call := s.record(Call{Service: "s3", Op: "ListObjectsV2", Account: s.account(c), Region: c.region})
	q := r.URL.Query()
	prefix, after := q.Get("prefix"), q.Get("continuation-token")
	if after == "" {
		after = q.Get("start-after")
	}
	max := 1000
	if n, err := strconv.Atoi(q.Get("max-keys")); err == nil && n > 0 && n < max {
		max = n
	}
	s.mu.Lock()
	var keys []string
	for k := range s.objects {
		b, key, _ := strings.Cut(k, "/")
		if b == bucket && strings.HasPrefix(key, prefix) && key > after {
			keys = append(keys, key)
		}
	}
	sort.Strings(keys)
	res := listBucketResult{Name: bucket, Prefix: prefix, MaxKeys: max, ContinuationToken: q.Get("continuation-token")}
	if len(keys) > max {
		keys, res.IsTruncated = keys[:max], true
		res.NextContinuationToken = keys[max-1]
	}
	for _, k := range keys {
		o := s.objects[bucket+"/"+k]
		sum := md5.Sum(o.data)
		res.Contents = append(res.Contents, listedItem{Key: k, LastModified: o.modified.UTC().Format(time.RFC3339),
			ETag: `"` + hex.EncodeToString(sum[:]) + `"`, Size: len(o.data), StorageClass: "STANDARD"})
	}
	s.mu.Unlock()
	res.KeyCount = len(res.Contents)
	w.Header().Set("x-amz-request-id", reqID)
	s.finish(call, nil, "")
	writeXML(w, http.StatusOK, res)
}
