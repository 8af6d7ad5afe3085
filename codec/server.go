package codec

import (
	"crypto/subtle"
	"net/http"
	"slices"
	"strings"

	"go.temporal.io/sdk/converter"
)

// ServerOptions configure the codec server's HTTP handler.
type ServerOptions struct {
	// Origins may call the server from a browser (the Web UI's origin,
	// for example http://localhost:8233); empty allows none.
	Origins []string
	// Token, when set, is required as "Authorization: Bearer TOKEN". The
	// Web UI sends its own token when its codec.passAccessToken is on; the
	// Temporal CLI sends --codec-auth.
	Token string
}

// Handler serves POST /encode and /decode (the Temporal codec server
// protocol) with CORS for opts.Origins and, when opts.Token is set, a
// bearer token check.
func Handler(c *Codec, opts ServerOptions) http.Handler {
	codec := converter.NewPayloadCodecHTTPHandler(c)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if origin := r.Header.Get("Origin"); origin != "" && slices.Contains(opts.Origins, origin) {
			h := w.Header()
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Allow-Credentials", "true")
			h.Set("Access-Control-Allow-Methods", "POST, OPTIONS")
			h.Set("Access-Control-Allow-Headers", "Content-Type, X-Namespace, Authorization")
			h.Add("Vary", "Origin")
		}
		if r.Method == http.MethodOptions {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if opts.Token != "" && !bearer(r, opts.Token) {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		codec.ServeHTTP(w, r)
	})
}

// bearer reports whether r carries "Authorization: Bearer token".
func bearer(r *http.Request, token string) bool {
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(got), []byte(token)) == 1
}
