package aws

import (
	"bytes"
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// upload writes an override file to the bucket once per content and
// returns its path-style HTTPS URL, the form AWS-RunPatchBaseline takes
// for InstallOverrideList and BaselineOverride.
func (p *Provider) upload(ctx context.Context, kind, name string, data []byte, contentType string) (string, error) {
	if p.cfg.Bucket == "" {
		return "", errors.New("aws: no S3 bucket configured for override files")
	}
	sum := sha256.Sum256(data)
	key := p.cfg.Prefix + kind + "/" + name + "-" + hex.EncodeToString(sum[:8]) + extension(contentType)
	p.mu.Lock()
	done := p.uploaded[key]
	p.mu.Unlock()
	if !done {
		if _, err := p.s3.PutObject(ctx, &s3.PutObjectInput{
			Bucket: aws.String(p.cfg.Bucket), Key: aws.String(key), Body: bytes.NewReader(data),
			ContentType: aws.String(contentType),
		}); err != nil {
			return "", wrapErr("PutObject s3://"+p.cfg.Bucket+"/"+key+" in region "+p.cfg.BucketRegion+" (the worker's own credentials)", err)
		}
		p.mu.Lock()
		p.uploaded[key] = true
		p.mu.Unlock()
	}
	return fmt.Sprintf("https://s3.%s.amazonaws.com/%s/%s", p.cfg.BucketRegion, p.cfg.Bucket, (&url.URL{Path: key}).EscapedPath()), nil
}

func extension(contentType string) string {
	if strings.Contains(contentType, "json") {
		return ".json"
	}
	return ".yaml"
}

// SnapshotID returns the SnapshotId of a cycle: a name-based (version 5)
// UUID of the cycle ID, so every batch and every retry of the cycle pins
// the same patch snapshot.
func SnapshotID(cycleID string) string {
	h := sha1.Sum([]byte("fleetpatch/snapshot/" + cycleID))
	h[6] = h[6]&0x0f | 0x50
	h[8] = h[8]&0x3f | 0x80
	x := hex.EncodeToString(h[:16])
	return x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}

// safeName keeps an S3 key part to letters, digits, dots and dashes (the
// BaselineOverride file name may not contain quotes, backticks or $).
func safeName(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}
