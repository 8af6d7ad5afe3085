package azurefront

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
)

// Key Vault's wrapKey and unwrapKey (RSA-OAEP-256) on a vault at the
// emulator's own address: POST /keys/{name}/{version}/wrapkey|unwrapkey
// (the version may be left out: the current one) with {"alg","value"} (base64url), answered {"kid","value"}. A request
// without a token gets Key Vault's 401 challenge (WWW-Authenticate: Bearer
// authorization=..., resource=https://vault.azure.net), which the SDK's
// challenge policy answers with a token. A key is made, as RSA 2048, on
// its first use. DenyKeyOperation refuses an operation with 403 Forbidden,
// as when the caller's role lacks the data action.
var keyVaultPath = regexp.MustCompile(`^/keys/([A-Za-z0-9-]{1,127})(?:/([A-Za-z0-9]+))?/(wrapkey|unwrapkey)$`)

// keyVaultResource is the audience Key Vault's challenge names.
const keyVaultResource = "https://vault.azure.net"

func isKeyVaultPath(p string) bool { return strings.HasPrefix(strings.ToLower(p), "/keys/") }

// DenyKeyOperation makes wrapkey or unwrapkey fail with 403 (message: why);
// an empty message allows it again.
func (s *Server) DenyKeyOperation(op, message string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := "keyvault|" + strings.ToLower(op)
	if message == "" {
		delete(s.denied, key)
		return
	}
	s.denied[key] = message
}

func (s *Server) serveKeyVault(w *statusRecorder, r *http.Request, c *Call) {
	if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
		c.Op = "keyvault-challenge"
		w.Header().Set("WWW-Authenticate", `Bearer authorization="https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000", resource="`+keyVaultResource+`"`)
		writeError(w, http.StatusUnauthorized, "Unauthorized", "AKV10000: Request is missing a Bearer or PoP token.")
		return
	}
	m := keyVaultPath.FindStringSubmatch(r.URL.Path)
	if m == nil || r.Method != http.MethodPost {
		writeError(w, http.StatusNotFound, "NotFound", "the emulator's Key Vault answers POST /keys/{name}/{version}/wrapkey and unwrapkey")
		return
	}
	name, version, op := m[1], m[2], m[3]
	c.Op, c.Resource = op, "/keys/"+name
	s.mu.Lock()
	why, denied := s.denied["keyvault|"+op]
	s.mu.Unlock()
	if denied {
		writeError(w, http.StatusForbidden, "Forbidden", "Caller is not authorized to perform action on resource. Action: 'Microsoft.KeyVault/vaults/keys/"+
			strings.TrimSuffix(op, "key")+"/action' ("+why+")")
		return
	}
	var in struct {
		Alg   string `json:"alg"`
		Value string `json:"value"`
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err := json.Unmarshal(body, &in); err != nil {
		writeError(w, http.StatusBadRequest, "BadParameter", "cannot read the request: "+err.Error())
		return
	}
	if in.Alg != "RSA-OAEP-256" {
		writeError(w, http.StatusBadRequest, "BadParameter", "the emulator wraps with RSA-OAEP-256 only, not "+in.Alg)
		return
	}
	value, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(in.Value, "="))
	if err != nil {
		writeError(w, http.StatusBadRequest, "BadParameter", "value is not base64url")
		return
	}
	key, err := s.vaultKey(name)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "InternalError", err.Error())
		return
	}
	var out []byte
	if op == "wrapkey" {
		out, err = rsa.EncryptOAEP(sha256.New(), rand.Reader, &key.PublicKey, value, nil)
	} else {
		out, err = rsa.DecryptOAEP(sha256.New(), nil, key, value, nil)
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, "BadParameter", "the key cannot "+op+" this value")
		return
	}
	if version == "" {
		version = "1"
	}
	writeJSON(w, http.StatusOK, map[string]string{"kid": "https://" + r.Host + "/keys/" + name + "/" + version,
		"value": base64.RawURLEncoding.EncodeToString(out)})
}

// vaultKey returns the RSA key of name, made on first use.
func (s *Server) vaultKey(name string) (*rsa.PrivateKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.vaultKeys == nil {
		s.vaultKeys = map[string]*rsa.PrivateKey{}
	}
	if k, ok := s.vaultKeys[name]; ok {
		return k, nil
	}
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	s.vaultKeys[name] = k
	return k, nil
}
