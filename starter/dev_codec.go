package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/fleetpatch/fleetpatch/codec"
	"github.com/fleetpatch/fleetpatch/devserver"
)

// devCodec is the dev stack's payload encryption: a key file in the data
// directory (made on first start, never in the repository) and a codec
// server for the Web UI on a free local port.
type devCodec struct {
	keys  string
	codec *codec.Codec
	url   string
	srv   *http.Server
}

// startDevCodec returns the dev stack's codec, or an empty one (no
// encryption) when --encrypt=false.
func startDevCodec(o devOptions) (*devCodec, error) {
	if !o.encrypt {
		return &devCodec{}, nil
	}
	d := &devCodec{keys: filepath.Join(o.data, "codec-keys")}
	if err := ensureDevKey(d.keys); err != nil {
		return nil, err
	}
	var err error
	if d.codec, err = codec.Load(d.keys); err != nil {
		return nil, err
	}
	if o.uiPort == devserver.UIDisabled {
		return d, nil
	}
	var origins []string
	for _, host := range []string{"127.0.0.1", "localhost"} {
		origins = append(origins, "http://"+host+":"+strconv.Itoa(o.uiPort))
	}
	d.srv, d.url, err = startCodecServer("127.0.0.1:0", d.codec, codec.ServerOptions{Origins: origins})
	return d, err
}

// ensureDevKey writes a new random key to path unless it exists.
func ensureDevKey(path string) error {
	if _, err := os.Stat(path); err == nil || !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	key := make([]byte, codec.KeySize)
	if _, err := rand.Read(key); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	text := "# fleetpatch dev payload key (made by starter dev); the last line encrypts\ndev-1 " +
		base64.StdEncoding.EncodeToString(key) + "\n"
	return os.WriteFile(path, []byte(text), 0o600)
}

// flag is what the printed commands add to reach the encrypted payloads.
func (d *devCodec) flag() string {
	if d.codec == nil {
		return ""
	}
	return " --codec-keys " + d.keys
}

// describe is the dev banner's line on encryption.
func (d *devCodec) describe() string {
	switch {
	case d.codec == nil:
		return "payloads: not encrypted (--encrypt=false)\n"
	case d.url == "":
		return fmt.Sprintf("payloads: encrypted (AES-256-GCM, key %s)\n", d.keys)
	}
	return fmt.Sprintf("payloads: encrypted (AES-256-GCM, key %s); the Web UI decodes through the codec server %s\n"+
		"  (Temporal CLI: --codec-endpoint %s; starter commands: --codec-keys %s)\n", d.keys, d.url, d.url, d.keys)
}

// stop stops the codec server.
func (d *devCodec) stop() {
	if d.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		d.srv.Shutdown(ctx)
	}
}
