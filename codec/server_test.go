package codec

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	"google.golang.org/protobuf/encoding/protojson"
)

func TestCodecServerAnswersTheWebUIsPreflightAndDecodes(t *testing.T) {
	c := mustCodec(t, newKey(t, "k1"))
	srv := httptest.NewServer(Handler(c, ServerOptions{Origins: []string{"http://localhost:8233"}, Token: "s3cret"}))
	defer srv.Close()

	pre, _ := http.NewRequest(http.MethodOptions, srv.URL+"/decode", nil)
	pre.Header.Set("Origin", "http://localhost:8233")
	pre.Header.Set("Access-Control-Request-Method", "POST")
	pre.Header.Set("Access-Control-Request-Headers", "content-type,x-namespace,authorization")
	res, err := http.DefaultClient.Do(pre)
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusNoContent, res.StatusCode)
	require.Equal(t, "http://localhost:8233", res.Header.Get("Access-Control-Allow-Origin"))
	require.Contains(t, res.Header.Get("Access-Control-Allow-Headers"), "X-Namespace")

	enc, err := c.Encode([]*commonpb.Payload{payload(t, "ops-lead@example.com")})
	require.NoError(t, err)
	body, err := protojson.Marshal(&commonpb.Payloads{Payloads: enc})
	require.NoError(t, err)

	post := func(origin, token string) *http.Response {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/decode", strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", origin)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		return res
	}
	res = post("http://localhost:8233", "wrong")
	res.Body.Close()
	require.Equal(t, http.StatusUnauthorized, res.StatusCode)

	res = post("http://evil.example", "s3cret")
	res.Body.Close()
	require.Empty(t, res.Header.Get("Access-Control-Allow-Origin"), "no CORS grant for other origins")

	res = post("http://localhost:8233", "s3cret")
	defer res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	var raw json.RawMessage
	require.NoError(t, json.NewDecoder(res.Body).Decode(&raw))
	var out commonpb.Payloads
	require.NoError(t, protojson.Unmarshal(raw, &out))
	require.Len(t, out.Payloads, 1)
	require.Equal(t, `"ops-lead@example.com"`, string(out.Payloads[0].Data))
	require.Equal(t, "json/plain", string(out.Payloads[0].Metadata["encoding"]))
}
