// Package keysources lists the key services a payload key file may name:
// lines "ID aws-kms:…" (AWS KMS data keys) and "ID azure-keyvault:…" (keys
// wrapped by an Azure Key Vault key). Each service's client is made on
// first use, from its standard credential chain.
package keysources

import (
	"github.com/fleetpatch/fleetpatch/codec"
	"github.com/fleetpatch/fleetpatch/codec/awskms"
	"github.com/fleetpatch/fleetpatch/codec/azurekv"
)

// Options are the codec.Load options that unwrap both kinds of lines.
func Options() []codec.Option {
	return []codec.Option{
		codec.WithKeySource(awskms.Scheme, awskms.Lazy()),
		codec.WithKeySource(azurekv.Scheme, azurekv.Lazy()),
	}
}
