package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/fleetpatch/fleetpatch/codec"
	"github.com/fleetpatch/fleetpatch/codec/awskms"
	"github.com/fleetpatch/fleetpatch/codec/azurekv"
)

func init() {
	register(command{Name: "codec-keys new", Usage: "[--id ID] [--aws-kms-key KEY | --azure-key URL]",
		Summary: "print a new payload key line: a raw key, an AWS KMS data key or a key wrapped by Azure Key Vault (append it to the key file)",
		Run:     runCodecKeysNew})
}

// runCodecKeysNew prints one key line for a key file: "ID BASE64" (a
// random key), "ID aws-kms:…" (GenerateDataKey under --aws-kms-key) or
// "ID azure-keyvault:…" (a random key wrapped by --azure-key).
func runCodecKeysNew(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("codec-keys new", flag.ContinueOnError)
	fs.SetOutput(stderr)
	id := fs.String("id", time.Now().UTC().Format("2006-01"), "key ID (letters, digits, '.', '_', '-'); the newest line in the file encrypts")
	kmsKey := fs.String("aws-kms-key", "", "KMS key ID, ARN or alias to make a data key under (AWS default credential chain and region)")
	vaultKey := fs.String("azure-key", "", "Key Vault key URL to wrap a new key with, https://VAULT.vault.azure.net/keys/NAME[/VERSION] (azidentity default chain)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *kmsKey != "" && *vaultKey != "" {
		fmt.Fprintln(stderr, "codec-keys new: give --aws-kms-key or --azure-key, not both")
		return 2
	}
	if err := codec.CheckKeyID(*id); err != nil {
		fmt.Fprintln(stderr, "codec-keys new:", err)
		return 2
	}
	line, err := newKeyLine(context.Background(), *id, *kmsKey, *vaultKey)
	if err != nil {
		fmt.Fprintln(stderr, "codec-keys new:", err)
		return 1
	}
	fmt.Fprintln(stdout, line)
	return 0
}

func newKeyLine(ctx context.Context, id, kmsKey, vaultKey string) (string, error) {
	switch {
	case kmsKey != "":
		keys, err := awskms.Default(ctx)
		if err != nil {
			return "", err
		}
		return keys.NewLine(ctx, id, kmsKey)
	case vaultKey != "":
		return azurekv.DefaultNewLine(ctx, id, vaultKey)
	}
	key := make([]byte, codec.KeySize)
	if _, err := rand.Read(key); err != nil {
		return "", err
	}
	return id + " " + base64.StdEncoding.EncodeToString(key), nil
}
