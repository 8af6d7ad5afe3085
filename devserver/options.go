package devserver

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
)

// Default values used by Start when the matching Options field is zero.
const (
	// DefaultIP is the address the frontend and the UI listen on.
	DefaultIP = "127.0.0.1"
	// DefaultPort is the frontend gRPC port, as in `temporal server start-dev`.
	DefaultPort = 7233
	// DefaultUIPort is the Web UI port, as in `temporal server start-dev`.
	DefaultUIPort = 8233
	// DefaultNamespace is the namespace created on a fresh data directory.
	DefaultNamespace = "default"
	// DefaultRetention is how long closed workflows are kept in a namespace
	// created by Start. It only applies when the namespace is created.
	DefaultRetention = 7 * 24 * time.Hour
)

// UIDisabled as Options.UIPort starts no Web UI.
const UIDisabled = -1

// Options configure Start. The zero value of every field means its default.
type Options struct {
	// DataDir holds the SQLite database (temporal.db). It is created if
	// missing. Required: state lives here and survives a restart.
	DataDir string
	// IP is the address the frontend and the UI listen on. Default
	// "127.0.0.1". The internal services listen on the same address, or on
	// 127.0.0.1 when IP is 0.0.0.0 or ::.
	IP string
	// Port is the frontend gRPC port. Default 7233. The internal services use
	// the seven ports after it (see PortLayout).
	Port int
	// UIPort is the Web UI port. Default 8233; UIDisabled (-1) disables the UI.
	UIPort int
	// CodecEndpoint is the codec server the Web UI decodes payloads with
	// (empty: none).
	CodecEndpoint string
	// Namespace is created if missing. Default "default".
	Namespace string
	// Retention of closed workflows in the namespace, applied only when the
	// namespace is created. Default DefaultRetention.
	Retention time.Duration
	// SearchAttributes are registered on the namespace; ones that already
	// exist with the same type are left alone, so restarts are idempotent.
	SearchAttributes map[string]enumspb.IndexedValueType
	// TLS, when set, serves the frontend over TLS (and mutual TLS); nil:
	// plaintext, as `temporal server start-dev`.
	TLS *TLS
	// Logger receives the server's logs at warn level or above (the server is
	// chatty below that). Nil discards them.
	Logger *slog.Logger
}

// withDefaults returns a copy of o with defaults filled in, or an error for
// values that cannot work.
func (o Options) withDefaults() (Options, error) {
	if o.DataDir == "" {
		return o, errors.New("devserver: Options.DataDir is required")
	}
	if strings.ContainsAny(o.DataDir, "?#") {
		return o, fmt.Errorf("devserver: data directory %q must not contain '?' or '#'", o.DataDir)
	}
	if o.IP == "" {
		o.IP = DefaultIP
	}
	if net.ParseIP(o.IP) == nil {
		return o, fmt.Errorf("devserver: IP %q is not an IP address", o.IP)
	}
	if o.Port == 0 {
		o.Port = DefaultPort
	}
	if o.Port < 1 || o.Port+portSpan-1 > 65535 {
		return o, fmt.Errorf("devserver: port %d out of range (1..%d; the %d ports after it are used internally)",
			o.Port, 65535-portSpan+1, portSpan-1)
	}
	if o.UIPort == 0 {
		o.UIPort = DefaultUIPort
	}
	if o.UIPort != UIDisabled && (o.UIPort < 1 || o.UIPort > 65535) {
		return o, fmt.Errorf("devserver: UI port %d out of range (1..65535, or %d to disable the UI)", o.UIPort, UIDisabled)
	}
	if o.UIPort != UIDisabled && o.UIPort >= o.Port && o.UIPort < o.Port+portSpan {
		return o, fmt.Errorf("devserver: UI port %d collides with the server ports %d..%d", o.UIPort, o.Port, o.Port+portSpan-1)
	}
	if o.Namespace == "" {
		o.Namespace = DefaultNamespace
	}
	if o.Retention == 0 {
		o.Retention = DefaultRetention
	}
	if o.Retention < 0 {
		return o, fmt.Errorf("devserver: negative retention %s", o.Retention)
	}
	for name, typ := range o.SearchAttributes {
		if name == "" {
			return o, errors.New("devserver: empty search attribute name")
		}
		if typ == enumspb.INDEXED_VALUE_TYPE_UNSPECIFIED {
			return o, fmt.Errorf("devserver: search attribute %q has no type", name)
		}
	}
	if o.TLS != nil {
		if err := o.TLS.check(); err != nil {
			return o, err
		}
	}
	if o.Logger == nil {
		o.Logger = discardLogger()
	}
	return o, nil
}

// internalIP is the address the internal services listen on and announce
// to each other: o.IP, or the loopback address when o.IP is unspecified.
// It is also the address clients dial.
func internalIP(ip string) string { return dialHost(ip) }

// dialHost is the host clients use to reach a listener bound to ip: the
// loopback address when ip is unspecified (0.0.0.0 or ::).
func dialHost(ip string) string {
	if parsed := net.ParseIP(ip); parsed != nil && parsed.IsUnspecified() {
		return "127.0.0.1"
	}
	return ip
}

// discardLogger is a logger that drops everything.
func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
