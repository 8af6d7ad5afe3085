// Package temporalconn builds the Temporal client connection of the worker
// and of every starter command the way Temporal's own tools do: a client
// configuration profile (TOML, TEMPORAL_CONFIG_FILE / TEMPORAL_PROFILE),
// then the TEMPORAL_* environment variables, then command-line flags, each
// overriding the one before. Profiles and variables are read by
// go.temporal.io/sdk/contrib/envconfig, so the same files and variables that
// configure the Temporal CLI configure fleetpatch: address, namespace, API
// key (Temporal Cloud; TLS is then on by default), TLS with a server CA,
// mTLS client certificate and key, server name, and gRPC headers.
package temporalconn

import (
	"flag"
	"fmt"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/contrib/envconfig"
)

// DefaultAddress is used when no profile, variable or flag names one.
const DefaultAddress = "localhost:7233"

// Flags are the connection flags. Empty means "not given": the profile's
// or the environment's value stands.
type Flags struct {
	Address       string
	Namespace     string
	APIKeyEnv     string
	TLS           bool
	TLSCert       string
	TLSKey        string
	TLSCA         string
	TLSServerName string
	Profile       string
	ConfigFile    string
}

// Register adds the connection flags to fs.
func (f *Flags) Register(fs *flag.FlagSet) {
	fs.StringVar(&f.Address, "address", "", "Temporal frontend host:port (env TEMPORAL_ADDRESS; default "+DefaultAddress+")")
	fs.StringVar(&f.Namespace, "namespace", "", "Temporal namespace (env TEMPORAL_NAMESPACE; default \"default\")")
	fs.StringVar(&f.APIKeyEnv, "api-key-env", "", "name of an environment variable holding a Temporal API key (default: TEMPORAL_API_KEY is read); an API key turns TLS on")
	fs.BoolVar(&f.TLS, "tls", false, "connect with TLS (env TEMPORAL_TLS)")
	fs.StringVar(&f.TLSCert, "tls-cert-path", "", "mTLS client certificate, PEM (env TEMPORAL_TLS_CLIENT_CERT_PATH)")
	fs.StringVar(&f.TLSKey, "tls-key-path", "", "mTLS client key, PEM (env TEMPORAL_TLS_CLIENT_KEY_PATH)")
	fs.StringVar(&f.TLSCA, "tls-ca-path", "", "CA certificate that verifies the server, PEM (env TEMPORAL_TLS_SERVER_CA_CERT_PATH)")
	fs.StringVar(&f.TLSServerName, "tls-server-name", "", "server name to verify instead of the address's host (env TEMPORAL_TLS_SERVER_NAME)")
	fs.StringVar(&f.Profile, "profile", "", "client configuration profile (env TEMPORAL_PROFILE; default \"default\")")
	fs.StringVar(&f.ConfigFile, "config-file", "", "client configuration TOML (env TEMPORAL_CONFIG_FILE; default the Temporal CLI's)")
}

// Options returns the client options: profile, then environment, then
// flags. The API key is read from the environment only, never from a flag
// value, so it stays out of process listings and shell history.
func (f *Flags) Options() (client.Options, error) {
	return f.options(envconfig.EnvLookupOS)
}

func (f *Flags) options(env envconfig.EnvLookup) (client.Options, error) {
	p, err := envconfig.LoadClientConfigProfile(envconfig.LoadClientConfigProfileOptions{
		ConfigFilePath: f.ConfigFile, ConfigFileProfile: f.Profile, EnvLookup: env})
	if err != nil {
		return client.Options{}, fmt.Errorf("temporal client configuration: %w", err)
	}
	if f.Address != "" {
		p.Address = f.Address
	}
	if p.Address == "" {
		p.Address = DefaultAddress
	}
	if f.Namespace != "" {
		p.Namespace = f.Namespace
	}
	if f.APIKeyEnv != "" {
		key, ok := env.LookupEnv(f.APIKeyEnv)
		if !ok || key == "" {
			return client.Options{}, fmt.Errorf("--api-key-env %s: the variable is empty", f.APIKeyEnv)
		}
		p.APIKey = key
	}
	if f.TLS || f.TLSCert != "" || f.TLSKey != "" || f.TLSCA != "" || f.TLSServerName != "" {
		if p.TLS == nil {
			p.TLS = &envconfig.ClientConfigTLS{}
		}
		p.TLS.Disabled = false
		set := func(dst *string, v string) {
			if v != "" {
				*dst = v
			}
		}
		set(&p.TLS.ClientCertPath, f.TLSCert)
		set(&p.TLS.ClientKeyPath, f.TLSKey)
		set(&p.TLS.ServerCACertPath, f.TLSCA)
		set(&p.TLS.ServerName, f.TLSServerName)
		if f.TLSCert != "" {
			p.TLS.ClientCertData = nil
		}
		if f.TLSKey != "" {
			p.TLS.ClientKeyData = nil
		}
		if f.TLSCA != "" {
			p.TLS.ServerCACertData = nil
		}
	}
	if t := p.TLS; t != nil && (t.ClientCertPath == "" && t.ClientCertData == nil) != (t.ClientKeyPath == "" && t.ClientKeyData == nil) {
		return client.Options{}, fmt.Errorf("mTLS needs both a client certificate and its key (--tls-cert-path and --tls-key-path)")
	}
	opts, err := p.ToClientOptions(envconfig.ToClientOptionsRequest{})
	if err != nil {
		return client.Options{}, fmt.Errorf("temporal client configuration: %w", err)
	}
	return opts, nil
}
