package devserver

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"

	uiconfig "github.com/temporalio/ui-server/v2/server/config"
	"go.temporal.io/server/common/config"
)

// TLS serves the frontend over TLS, and with ClientCAFile over mutual TLS,
// as a secured self-hosted cluster does (Options.TLS). The internal
// services talk to each other in plain gRPC on the internal address.
type TLS struct {
	// CertFile and KeyFile are the frontend's certificate and key (PEM).
	CertFile, KeyFile string
	// CAFile is the CA that signed CertFile: the server's own clients (its
	// system worker, the Web UI and the start-up checks) trust it.
	CAFile string
	// ServerName is the name the server's own clients expect in CertFile;
	// default: the address they dial.
	ServerName string
	// ClientCAFile, when set, makes the frontend require a client
	// certificate signed by it (mTLS).
	ClientCAFile string
	// ClientCertFile and ClientKeyFile are the certificate the server's own
	// clients present under mTLS.
	ClientCertFile, ClientKeyFile string
}

// check reports missing or unreadable files before anything starts.
func (t *TLS) check() error {
	if t.CertFile == "" || t.KeyFile == "" || t.CAFile == "" {
		return errors.New("devserver: TLS needs the frontend's certificate, its key and the CA that signed it")
	}
	if t.ClientCAFile != "" && (t.ClientCertFile == "" || t.ClientKeyFile == "") {
		return errors.New("devserver: mutual TLS needs a client certificate and key for the server's own clients")
	}
	for _, f := range []string{t.CertFile, t.KeyFile, t.CAFile, t.ClientCAFile, t.ClientCertFile, t.ClientKeyFile} {
		if f == "" {
			continue
		}
		if _, err := os.Stat(f); err != nil {
			return fmt.Errorf("devserver: TLS: %w", err)
		}
	}
	return nil
}

// serverName is the name the server's own clients check, dialing host.
func (t *TLS) serverName(host string) string {
	if t.ServerName != "" {
		return t.ServerName
	}
	return host
}

// rootTLS is the server configuration: TLS on the frontend, and the
// system worker dialing it with the CA (and the client certificate).
func (t *TLS) rootTLS(host string) config.RootTLS {
	front := config.GroupTLS{Server: config.ServerTLS{CertFile: t.CertFile, KeyFile: t.KeyFile},
		Client: config.ClientTLS{ServerName: t.serverName(host), RootCAFiles: []string{t.CAFile}}}
	worker := config.WorkerTLS{Client: config.ClientTLS{ServerName: t.serverName(host), RootCAFiles: []string{t.CAFile}}}
	if t.ClientCAFile != "" {
		front.Server.RequireClientAuth = true
		front.Server.ClientCAFiles = []string{t.ClientCAFile}
		worker.CertFile, worker.KeyFile = t.ClientCertFile, t.ClientKeyFile
	}
	return config.RootTLS{Frontend: front, SystemWorker: worker}
}

// clientConfig is the TLS configuration of the server's own clients.
func (t *TLS) clientConfig(host string) (*tls.Config, error) {
	pem, err := os.ReadFile(t.CAFile)
	if err != nil {
		return nil, fmt.Errorf("devserver: TLS CA: %w", err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("devserver: TLS CA: no certificate in %s", t.CAFile)
	}
	cfg := &tls.Config{RootCAs: roots, ServerName: t.serverName(host), MinVersion: tls.VersionTLS12}
	if t.ClientCAFile != "" {
		pair, err := tls.LoadX509KeyPair(t.ClientCertFile, t.ClientKeyFile)
		if err != nil {
			return nil, fmt.Errorf("devserver: TLS client certificate: %w", err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	return cfg, nil
}

// uiTLS is the Web UI's connection to the frontend.
func (t *TLS) uiTLS(host string) uiconfig.TLS {
	u := uiconfig.TLS{CaFile: t.CAFile, ServerName: t.serverName(host), EnableHostVerification: true}
	if t.ClientCAFile != "" {
		u.CertFile, u.KeyFile = t.ClientCertFile, t.ClientKeyFile
	}
	return u
}
