package codec

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"fmt"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
)

// Metadata keys and the encoding name of an encrypted payload.
const (
	// MetadataEncoding is the standard payload metadata key for the encoding.
	MetadataEncoding = converter.MetadataEncoding
	// MetadataKeyID names the key a payload was encrypted with.
	MetadataKeyID = "encryption-key-id"
	// EncodingEncrypted marks a payload this codec encrypted.
	EncodingEncrypted = "binary/encrypted"
)

// Codec is a converter.PayloadCodec that seals each payload (its metadata
// and data, marshalled) with AES-256-GCM under the keyring's newest key.
type Codec struct {
	keys  *Keyring
	aeads map[string]cipher.AEAD
}

var _ converter.PayloadCodec = (*Codec)(nil)

// New returns the codec over keys.
func New(keys *Keyring) (*Codec, error) {
	c := &Codec{keys: keys, aeads: make(map[string]cipher.AEAD, len(keys.keys))}
	for id, key := range keys.keys {
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, fmt.Errorf("key %s: %w", id, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("key %s: %w", id, err)
		}
		c.aeads[id] = aead
	}
	return c, nil
}

// Encode encrypts every payload.
func (c *Codec) Encode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	id := c.keys.newest
	aead := c.aeads[id]
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		plain, err := p.Marshal()
		if err != nil {
			return nil, fmt.Errorf("encrypt payload: %w", err)
		}
		nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
		if _, err := rand.Read(nonce); err != nil {
			return nil, fmt.Errorf("encrypt payload: %w", err)
		}
		out[i] = &commonpb.Payload{
			Metadata: map[string][]byte{
				MetadataEncoding: []byte(EncodingEncrypted),
				MetadataKeyID:    []byte(id),
			},
			Data: aead.Seal(nonce, nonce, plain, []byte(id)),
		}
	}
	return out, nil
}

// Decode decrypts the payloads this codec encrypted and passes others
// through (histories from before encryption was turned on stay readable).
// A payload under a key that is not in the keyring, or one that fails
// authentication, is an error that names the key.
func (c *Codec) Decode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if string(p.GetMetadata()[MetadataEncoding]) != EncodingEncrypted {
			out[i] = p
			continue
		}
		id := string(p.GetMetadata()[MetadataKeyID])
		aead, ok := c.aeads[id]
		if !ok {
			return nil, fmt.Errorf("decrypt payload: key %q is not in the keyring", id)
		}
		data := p.GetData()
		if len(data) < aead.NonceSize() {
			return nil, fmt.Errorf("decrypt payload: key %q: payload too short", id)
		}
		plain, err := aead.Open(nil, data[:aead.NonceSize()], data[aead.NonceSize():], []byte(id))
		if err != nil {
			return nil, fmt.Errorf("decrypt payload: key %q: %w", id, err)
		}
		dec := &commonpb.Payload{}
		if err := dec.Unmarshal(plain); err != nil {
			return nil, fmt.Errorf("decrypt payload: key %q: %w", id, err)
		}
		out[i] = dec
	}
	return out, nil
}
