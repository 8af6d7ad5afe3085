package awsfront

import (
	"bufio"
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// object is one stored S3 object.
type object struct {
	data     []byte
	typ      string
	modified time.Time
	// meta holds the x-amz-meta-* headers, canonical names.
	meta http.Header
}

// serveS3 answers path-style PutObject (with If-None-Match: * as a
// conditional create), GetObject, HeadObject, DeleteObject and
// ListObjectsV2 (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html),
// keeping objects in memory. Buckets need not be created first.
func (s *Server) serveS3(w http.ResponseWriter, r *http.Request, c credential) {
	reqID := s.requestID()
	bucket, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if r.Method == http.MethodGet && key == "" && r.URL.Query().Get("list-type") == "2" {
		s.listObjectsV2(w, r, c, bucket, reqID)
		return
	}
	op := map[string]string{http.MethodPut: "PutObject", http.MethodGet: "GetObject", http.MethodHead: "HeadObject",
		http.MethodDelete: "DeleteObject"}[r.Method]
	call := s.record(Call{Service: "s3", Op: op, Account: s.account(c), Region: c.region})
	fail := func(status int, code, msg string) {
		s.finish(call, nil, code)
		if r.Method == http.MethodHead {
			w.WriteHeader(status)
			return
		}
		writeXML(w, status, s3Error{Code: code, Message: msg, Key: key, RequestID: reqID})
	}
	if op == "" || bucket == "" || key == "" {
		fail(http.StatusNotImplemented, "NotImplemented", "only path-style PutObject, GetObject, HeadObject, DeleteObject and ListObjectsV2 are emulated")
		return
	}
	w.Header().Set("x-amz-request-id", reqID)
	if r.Method == http.MethodDelete {
		s.deleteObject(bucket, key)
		s.finish(call, nil, "")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if r.Method == http.MethodPut {
		data, err := readS3Body(r)
		if err != nil {
			fail(http.StatusBadRequest, "IncompleteBody", err.Error())
			return
		}
		o := object{data: data, typ: r.Header.Get("Content-Type"), meta: userMetadata(r.Header)}
		if r.Header.Get("If-None-Match") == "*" {
			if !s.createObject(bucket, key, o) {
				fail(http.StatusPreconditionFailed, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold")
				return
			}
		} else {
			s.storeObject(bucket, key, o)
		}
		sum := md5.Sum(data)
		w.Header().Set("ETag", `"`+hex.EncodeToString(sum[:])+`"`)
		s.finish(call, nil, "")
		w.WriteHeader(http.StatusOK)
		return
	}
	o, ok := s.getObject(bucket, key)
	if !ok {
		fail(http.StatusNotFound, "NoSuchKey", "The specified key does not exist.")
		return
	}
	sum := md5.Sum(o.data)
	w.Header().Set("ETag", `"`+hex.EncodeToString(sum[:])+`"`)
	w.Header().Set("Content-Length", strconv.Itoa(len(o.data)))
	w.Header().Set("Last-Modified", o.modified.UTC().Format(http.TimeFormat))
	if o.typ != "" {
		w.Header().Set("Content-Type", o.typ)
	}
	for k, v := range o.meta {
		w.Header()[k] = v
	}
	s.finish(call, nil, "")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		_, _ = w.Write(o.data)
	}
}

// readS3Body reads a PutObject body, decoding the aws-chunked encoding
// that SDKs use to send trailing checksums.
func readS3Body(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	chunked := strings.Contains(r.Header.Get("Content-Encoding"), "aws-chunked") ||
		strings.HasPrefix(r.Header.Get("X-Amz-Content-Sha256"), "STREAMING-")
	if !chunked {
		return body, nil
	}
	var out bytes.Buffer
	br := bufio.NewReader(bytes.NewReader(body))
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return nil, fmt.Errorf("aws-chunked body: %w", err)
		}
		sizeHex, _, _ := strings.Cut(strings.TrimSpace(line), ";")
		n, err := strconv.ParseInt(sizeHex, 16, 64)
		if err != nil {
			return nil, fmt.Errorf("aws-chunked chunk size %q: %w", sizeHex, err)
		}
		if n == 0 {
			return out.Bytes(), nil // trailers follow; checksums are not verified
		}
		if _, err := io.CopyN(&out, br, n); err != nil {
			return nil, fmt.Errorf("aws-chunked chunk: %w", err)
		}
		if _, err := br.ReadString('\n'); err != nil {
			return nil, fmt.Errorf("aws-chunked chunk end: %w", err)
		}
	}
}

func (s *Server) putObject(bucket, key string, data []byte, typ string) {
	s.storeObject(bucket, key, object{data: data, typ: typ})
}

func (s *Server) storeObject(bucket, key string, o object) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o.modified = time.Now()
	s.objects[bucket+"/"+key] = o
}

// createObject stores o unless the key exists, atomically.
func (s *Server) createObject(bucket, key string, o object) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.objects[bucket+"/"+key]; ok {
		return false
	}
	o.modified = time.Now()
	s.objects[bucket+"/"+key] = o
	return true
}

func (s *Server) deleteObject(bucket, key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.objects, bucket+"/"+key)
}

// userMetadata keeps a request's x-amz-meta-* headers.
func userMetadata(h http.Header) http.Header {
	meta := http.Header{}
	for k, v := range h {
		if strings.HasPrefix(strings.ToLower(k), "x-amz-meta-") {
			meta[k] = v
		}
	}
	return meta
}

func (s *Server) getObject(bucket, key string) (object, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.objects[bucket+"/"+key]
	return o, ok
}

// Object returns a stored object's content, for tests.
func (s *Server) Object(bucket, key string) ([]byte, bool) {
	o, ok := s.getObject(bucket, key)
	return o.data, ok
}

// SetObject replaces a stored object's content and keeps its metadata, for
// tests that damage an object behind its writer's back.
func (s *Server) SetObject(bucket, key string, data []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.objects[bucket+"/"+key]
	o.data = data
	s.objects[bucket+"/"+key] = o
}

// objectByURL fetches an object named by an S3 URL as SSM documents take
// them: https://s3.<region>.amazonaws.com/<bucket>/<key> (path-style),
// https://<bucket>.s3.<region>.amazonaws.com/<key>, or s3://<bucket>/<key>.
func (s *Server) objectByURL(raw string) ([]byte, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, err
	}
	path := strings.TrimPrefix(u.Path, "/")
	var bucket, key string
	switch {
	case u.Scheme == "s3":
		bucket, key = u.Host, path
	case strings.HasPrefix(u.Host, "s3.") || strings.HasPrefix(u.Host, "s3-") || !strings.Contains(u.Host, ".s3"):
		bucket, key, _ = strings.Cut(path, "/")
	default:
		bucket, key = u.Host[:strings.Index(u.Host, ".s3")], path
	}
	o, ok := s.getObject(bucket, key)
	if !ok {
		return nil, fmt.Errorf("An error occurred (404) when calling the HeadObject operation: Not Found (s3://%s/%s)", bucket, key)
	}
	return o.data, nil
}
