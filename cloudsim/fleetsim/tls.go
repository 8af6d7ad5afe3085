package fleetsim

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"time"

	"github.com/fleetpatch/fleetpatch/cloudsim/azurefront"
)

// certValidity is how long a new emulator certificate is valid.
const certValidity = 90 * 24 * time.Hour

// azureCert returns the Azure emulator's certificate for host: the pair
// saved in caFile and keyFile when it is still good, else a new
// self-signed one, written to caFile (and keyFile when named).
func azureCert(caFile, keyFile, host string) (tls.Certificate, error) {
	if keyFile != "" {
		if c, err := tls.LoadX509KeyPair(caFile, keyFile); err == nil && c.Leaf != nil &&
			time.Until(c.Leaf.NotAfter) > 24*time.Hour && c.Leaf.VerifyHostname(host) == nil {
			return c, nil
		}
	}
	c, keyDER, err := newCert(host)
	if err != nil {
		return tls.Certificate{}, err
	}
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Certificate[0]}), 0o644); err != nil {
		return tls.Certificate{}, err
	}
	if keyFile != "" {
		if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
			return tls.Certificate{}, err
		}
	}
	return c, nil
}

// newCert makes the emulator's certificate for host (see
// azurefront.SelfSigned); it returns the key in PKCS #8 DER too.
func newCert(host string) (tls.Certificate, []byte, error) {
	c, err := azurefront.SelfSigned("fleetsim azure emulator", host, certValidity)
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("certificate: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(c.PrivateKey)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	return c, keyDER, nil
}
