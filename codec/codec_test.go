package codec

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
)

// newKey returns a key line "id BASE64".
func newKey(t *testing.T, id string) string {
	t.Helper()
	k := make([]byte, KeySize)
	_, err := rand.Read(k)
	require.NoError(t, err)
	return id + " " + base64.StdEncoding.EncodeToString(k)
}

func mustCodec(t *testing.T, text string) *Codec {
	t.Helper()
	keys, err := ParseKeys("keys", text)
	require.NoError(t, err)
	c, err := New(keys)
	require.NoError(t, err)
	return c
}

func payload(t *testing.T, v any) *commonpb.Payload {
	t.Helper()
	p, err := converter.GetDefaultDataConverter().ToPayload(v)
	require.NoError(t, err)
	return p
}

func TestEncryptedPayloadsHideTheirContentAndDecodeBack(t *testing.T) {
	c := mustCodec(t, newKey(t, "k1"))
	in := payload(t, map[string]string{"host": "i-0abc123", "cve": "CVE-2024-6387"})
	enc, err := c.Encode([]*commonpb.Payload{in})
	require.NoError(t, err)
	require.Equal(t, EncodingEncrypted, string(enc[0].Metadata[MetadataEncoding]))
	require.Equal(t, "k1", string(enc[0].Metadata[MetadataKeyID]))
	require.False(t, bytes.Contains(enc[0].Data, []byte("i-0abc123")))
	require.False(t, bytes.Contains(enc[0].Data, []byte("json/plain")), "the metadata is sealed too")
	dec, err := c.Decode(enc)
	require.NoError(t, err)
	require.Equal(t, in.Data, dec[0].Data)
	require.Equal(t, in.Metadata, dec[0].Metadata)

	again, err := c.Encode([]*commonpb.Payload{in})
	require.NoError(t, err)
	require.NotEqual(t, enc[0].Data, again[0].Data, "a fresh nonce every time")
}

func TestRotationEncryptsWithTheNewestKeyAndKeepsOldPayloadsReadable(t *testing.T) {
	old, next := newKey(t, "2026-01"), newKey(t, "2026-12")
	before := mustCodec(t, old)
	encOld, err := before.Encode([]*commonpb.Payload{payload(t, "written before rotation")})
	require.NoError(t, err)

	after := mustCodec(t, "# rotated\n"+old+"\n"+next+"\n")
	encNew, err := after.Encode([]*commonpb.Payload{payload(t, "written after rotation")})
	require.NoError(t, err)
	require.Equal(t, "2026-12", string(encNew[0].Metadata[MetadataKeyID]))
	dec, err := after.Decode([]*commonpb.Payload{encOld[0], encNew[0]})
	require.NoError(t, err)
	var a, b string
	require.NoError(t, converter.GetDefaultDataConverter().FromPayload(dec[0], &a))
	require.NoError(t, converter.GetDefaultDataConverter().FromPayload(dec[1], &b))
	require.Equal(t, []string{"written before rotation", "written after rotation"}, []string{a, b})

	_, err = before.Decode(encNew)
	require.ErrorContains(t, err, `key "2026-12" is not in the keyring`)
}

func TestTamperedPayloadsAreRefused(t *testing.T) {
	k1, k2 := newKey(t, "k1"), newKey(t, "k2")
	c := mustCodec(t, k1+"\n"+k2)
	enc, err := c.Encode([]*commonpb.Payload{payload(t, "x")})
	require.NoError(t, err)

	flipped := &commonpb.Payload{Metadata: enc[0].Metadata, Data: bytes.Clone(enc[0].Data)}
	flipped.Data[len(flipped.Data)-1] ^= 1
	_, err = c.Decode([]*commonpb.Payload{flipped})
	require.ErrorContains(t, err, "message authentication failed")

	relabelled := &commonpb.Payload{Metadata: map[string][]byte{
		MetadataEncoding: []byte(EncodingEncrypted), MetadataKeyID: []byte("k1")}, Data: enc[0].Data}
	_, err = c.Decode([]*commonpb.Payload{relabelled})
	require.ErrorContains(t, err, `key "k1"`)

	short := &commonpb.Payload{Metadata: enc[0].Metadata, Data: []byte{1, 2}}
	_, err = c.Decode([]*commonpb.Payload{short})
	require.ErrorContains(t, err, "too short")
}

func TestPlainPayloadsPassThroughDecode(t *testing.T) {
	c := mustCodec(t, newKey(t, "k1"))
	in := payload(t, "from before encryption")
	dec, err := c.Decode([]*commonpb.Payload{in})
	require.NoError(t, err)
	require.Same(t, in, dec[0])
}

func TestKeyListErrorsNameTheLine(t *testing.T) {
	good := newKey(t, "k1")
	for text, want := range map[string]string{
		"":                                  "keys: no keys",
		"# only a comment\n":                "keys: no keys",
		good + "\nk2":                       "keys:2: want \"ID BASE64-KEY\"",
		good + "\n" + good:                  `keys:2: key ID "k1" is listed twice`,
		"bad/id " + strings.Fields(good)[1]: `keys:1: key ID "bad/id"`,
		"k1 not-base64!":                    `keys:1: key "k1" is not standard base64`,
		"k1 " + base64.StdEncoding.EncodeToString([]byte("short")): `keys:1: key "k1" is 5 bytes; AES-256 needs 32`,
	} {
		_, err := ParseKeys("keys", text)
		require.ErrorContains(t, err, want, fmt.Sprintf("%q", text))
	}
	keys, err := ParseKeys("keys", "# a comment; with a semicolon\n"+good)
	require.NoError(t, err)
	require.Equal(t, "k1", keys.Newest())
}

func TestLoadKeysFromTheEnvironment(t *testing.T) {
	t.Setenv(KeyEnv, newKey(t, "env-key"))
	keys, err := LoadKeys("")
	require.NoError(t, err)
	require.Equal(t, "env-key", keys.Newest())
	t.Setenv(KeyEnv, "")
	keys, err = LoadKeys("")
	require.NoError(t, err)
	require.Nil(t, keys, "no keys: no encryption")
	t.Setenv(KeyEnv, newKey(t, "a")+";"+newKey(t, "b"))
	keys, err = LoadKeys("")
	require.NoError(t, err, "';' separates keys in the variable")
	require.Equal(t, "b", keys.Newest())
	_, err = LoadKeys("/nonexistent/keys")
	require.ErrorContains(t, err, "/nonexistent/keys")
}

func TestFailuresAreEncodedExceptRefusals(t *testing.T) {
	var opts client.Options
	Apply(&opts, mustCodec(t, newKey(t, "k1")))
	f := opts.FailureConverter.ErrorToFailure(errors.New("scan failed on i-0abc123"))
	require.Equal(t, "Encoded failure", f.Message)
	require.NotContains(t, f.String(), "i-0abc123")
	require.ErrorContains(t, opts.FailureConverter.FailureToError(f), "scan failed on i-0abc123", "decoded again")

	refused := temporal.NewNonRetryableApplicationError("no signed statement", RefusalType, nil)
	f = opts.FailureConverter.ErrorToFailure(refused)
	require.Equal(t, "no signed statement", f.Message, "a refusal's reason stays readable")
}
