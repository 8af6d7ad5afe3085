package awsfront

import (
	"net/http"
	"strings"
)

// credential is what the emulator reads from a SigV4-signed request: the
// access key and its credential scope. Signatures are not verified.
type credential struct {
	accessKey, region, service string
}

// parseCredential reads the Credential of a SigV4 Authorization header
// ("AWS4-HMAC-SHA256 Credential=AKID/20260101/eu-west-1/ssm/aws4_request,
// SignedHeaders=..., Signature=...") or of a presigned URL
// (X-Amz-Credential).
func parseCredential(r *http.Request) credential {
	scope := r.URL.Query().Get("X-Amz-Credential")
	if auth := r.Header.Get("Authorization"); auth != "" {
		for _, part := range strings.Split(strings.TrimPrefix(auth, "AWS4-HMAC-SHA256"), ",") {
			part = strings.TrimSpace(part)
			if v, ok := strings.CutPrefix(part, "Credential="); ok {
				scope = v
			}
		}
	}
	f := strings.Split(scope, "/")
	c := credential{accessKey: f[0]}
	if len(f) >= 4 {
		c.region, c.service = f[2], f[3]
	}
	if c.region == "" {
		c.region = "us-east-1"
	}
	return c
}

// accessKeyFor returns the access key AssumeRole issues for an account:
// "ASIA" + the 12-digit account + a 4-character serial (20 characters, the
// length of real keys).
func accessKeyFor(account string, serial uint64) string {
	const digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	b := []byte("ASIA" + account + "0000")
	for i := len(b) - 1; i >= len(b)-4; i-- {
		b[i] = digits[serial%32]
		serial /= 32
	}
	return string(b)
}

// account returns the account the request's credentials belong to.
func (s *Server) account(c credential) string {
	k := c.accessKey
	if len(k) == 20 && strings.HasPrefix(k, "ASIA") && isDigits(k[4:16]) {
		return k[4:16]
	}
	return s.opts.HomeAccount
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}
