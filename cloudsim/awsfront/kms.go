package awsfront

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"strings"
)

// KMS over awsJson1_1 (X-Amz-Target: TrentService.<Operation>): the two
// operations of envelope encryption with data keys, GenerateDataKey
// (KeySpec AES_256 or NumberOfBytes) and Decrypt, as the AWS SDK sends
// them. Blobs are base64 strings in the JSON, as the protocol has them.
// Every key ID, ARN or alias names a key the emulator makes on first use;
// a ciphertext names its key, so Decrypt needs none, as with KMS's
// symmetric keys. The emulator's ciphertexts are its own format.
const kmsTargetPrefix = "TrentService."

// kmsBlobPrefix starts every ciphertext the emulator makes.
const kmsBlobPrefix = "fleetpatch-kms-emulator:"

// kmsKeys are the emulator's key material by key ID; guarded by mu.
type kmsKeys map[string][]byte

func (s *Server) serveKMS(w http.ResponseWriter, r *http.Request, cred credential) {
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), kmsTargetPrefix)
	account := s.account(cred)
	idx := s.record(Call{Service: "kms", Op: op, Account: account, Region: cred.region})
	w.Header().Set("x-amzn-RequestId", s.requestID())
	fail := func(e *apiError) {
		s.finish(idx, nil, e.code)
		writeJSONError(w, e)
	}
	body, err := readAll(r)
	if err != nil {
		fail(errorf("SerializationException", http.StatusBadRequest, "%v", err))
		return
	}
	if e := s.deniedAction(account, cred.region, "kms:"+op); e != nil {
		fail(e)
		return
	}
	var out any
	var e *apiError
	switch op {
	case "GenerateDataKey":
		out, e = s.generateDataKey(body)
	case "Decrypt":
		out, e = s.decrypt(body)
	default:
		e = errorf("UnknownOperationException", http.StatusBadRequest, "operation %s is not emulated", op)
	}
	if e != nil {
		fail(e)
		return
	}
	s.finish(idx, nil, "")
	w.Header().Set("Content-Type", ssmContentType)
	_ = json.NewEncoder(w).Encode(out)
}

// kmsKey returns the key material of id, made on first use.
func (s *Server) kmsKey(id string) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.kms == nil {
		s.kms = kmsKeys{}
	}
	k, ok := s.kms[id]
	if !ok {
		k = make([]byte, 32)
		_, _ = rand.Read(k)
		s.kms[id] = k
	}
	return k
}

func (s *Server) generateDataKey(body []byte) (any, *apiError) {
	var in struct {
		KeyId         string
		KeySpec       string
		NumberOfBytes int
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, errorf("SerializationException", http.StatusBadRequest, "cannot read the request: %v", err)
	}
	n := in.NumberOfBytes
	switch {
	case in.KeyId == "":
		return nil, validation("1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null")
	case in.KeySpec == "AES_256" && n == 0:
		n = 32
	case in.KeySpec == "AES_128" && n == 0:
		n = 16
	case in.KeySpec != "" || n < 1 || n > 1024:
		return nil, validation("give KeySpec AES_256 or AES_128, or NumberOfBytes between 1 and 1024")
	}
	plain := make([]byte, n)
	_, _ = rand.Read(plain)
	blob, err := seal(s.kmsKey(in.KeyId), in.KeyId, plain)
	if err != nil {
		return nil, errorf("KMSInternalException", http.StatusInternalServerError, "%v", err)
	}
	return map[string]any{"CiphertextBlob": blob, "Plaintext": plain, "KeyId": in.KeyId}, nil
}

func (s *Server) decrypt(body []byte) (any, *apiError) {
	var in struct{ CiphertextBlob []byte }
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, errorf("SerializationException", http.StatusBadRequest, "cannot read the request: %v", err)
	}
	invalid := errorf("InvalidCiphertextException", http.StatusBadRequest, "the ciphertext is not one this key service made")
	rest, ok := bytes.CutPrefix(in.CiphertextBlob, []byte(kmsBlobPrefix))
	if !ok {
		return nil, invalid
	}
	id, sealed, ok := bytes.Cut(rest, []byte{0})
	if !ok {
		return nil, invalid
	}
	s.mu.Lock()
	key, known := s.kms[string(id)]
	s.mu.Unlock()
	if !known {
		return nil, invalid
	}
	plain, err := open(key, string(id), sealed)
	if err != nil {
		return nil, invalid
	}
	return map[string]any{"Plaintext": plain, "KeyId": string(id), "EncryptionAlgorithm": "SYMMETRIC_DEFAULT"}, nil
}

// seal encrypts plain under key with AES-GCM, the key ID as additional
// data, into prefix | key ID | 0 | nonce | ciphertext.
func seal(key []byte, id string, plain []byte) ([]byte, error) {
	gcm, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, gcm.NonceSize())
	_, _ = rand.Read(nonce)
	out := append([]byte(kmsBlobPrefix+id+"\x00"), nonce...)
	return gcm.Seal(out, nonce, plain, []byte(id)), nil
}

func open(key []byte, id string, sealed []byte) ([]byte, error) {
	gcm, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	if len(sealed) < gcm.NonceSize() {
		return nil, errShort
	}
	return gcm.Open(nil, sealed[:gcm.NonceSize()], sealed[gcm.NonceSize():], []byte(id))
}

func newGCM(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

var errShort = errorf("InvalidCiphertextException", http.StatusBadRequest, "ciphertext too short")
