// Package devserver runs a Temporal server with SQLite persistence and the
// Temporal Web UI inside the current process, for the one-command dev stack
// (`starter dev`). State lives in a data directory and survives restarts.
//
// It is built only from public packages of go.temporal.io/server and
// github.com/temporalio/ui-server/v2. Importing it links the whole server:
// keep the import out of packages that do not need it.
package devserver

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"

	"go.temporal.io/server/temporal"
)

// readyTimeout bounds how long Start waits for the frontend and the UI to
// answer when ctx has no earlier deadline.
const readyTimeout = time.Minute

// Server is a running dev server. Stop it with Stop.
type Server struct {
	opts     Options
	frontend string // host:port clients dial
	temporal temporal.Server
	ui       *uiServer // nil when the UI is disabled
	logger   serverLogger

	// clientTLS is how the server's own clients dial the frontend (nil:
	// plaintext).
	clientTLS *tls.Config

	stopOnce sync.Once
	stopErr  error
}

// Start checks every port, prepares the SQLite database in o.DataDir
// (schema and namespace on first use), starts the Temporal services,
// registers o.SearchAttributes and starts the Web UI. It returns once the
// frontend and the UI answer. On error nothing is left running.
func Start(ctx context.Context, o Options) (*Server, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := checkPorts(o); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()

	s := &Server{
		opts:     o,
		frontend: net.JoinHostPort(dialHost(o.IP), strconv.Itoa(o.Port)),
		logger:   newServerLogger(o.Logger),
	}
	sqlCfg, err := prepareDatabase(o, currentCluster)
	if err != nil {
		return nil, err
	}
	srv, err := temporal.NewServer(
		temporal.WithConfig(s.serverConfig(sqlCfg)),
		temporal.ForServices(temporal.DefaultServices),
		temporal.WithLogger(s.logger),
		temporal.WithDynamicConfigClient(dynamicConfig()),
	)
	if err != nil {
		return nil, fmt.Errorf("devserver: create Temporal server: %w", err)
	}
	if err := srv.Start(); err != nil {
		_ = srv.Stop()
		return nil, fmt.Errorf("devserver: start Temporal server: %w", err)
	}
	s.temporal = srv

	if o.TLS != nil {
		if s.clientTLS, err = o.TLS.clientConfig(dialHost(o.IP)); err != nil {
			return nil, err
		}
	}
	if err := registerSearchAttributes(ctx, s.frontend, o.Namespace, s.clientTLS, o.SearchAttributes); err != nil {
		_ = s.Stop()
		return nil, err
	}
	if o.UIPort != UIDisabled {
		ui, err := startUI(ctx, o, s.frontend)
		if err != nil {
			_ = s.Stop()
			return nil, err
		}
		s.ui = ui
	}
	s.logger.setPhase(phaseRunning)
	return s, nil
}

// ClientTLS is a TLS configuration that reaches the frontend (the CA and,
// under mTLS, the server's own client certificate), or nil without TLS.
func (s *Server) ClientTLS() *tls.Config {
	if s.clientTLS == nil {
		return nil
	}
	return s.clientTLS.Clone()
}

// FrontendAddress is the host:port of the frontend gRPC service, for
// client.Options.HostPort, e.g. "127.0.0.1:7233".
func (s *Server) FrontendAddress() string { return s.frontend }

// UIURL is the Web UI's base URL, e.g. "http://127.0.0.1:8233", or "" when
// the UI is disabled.
func (s *Server) UIURL() string {
	if s.ui == nil {
		return ""
	}
	return s.ui.url
}

// Namespace is the namespace Start created or found.
func (s *Server) Namespace() string { return s.opts.Namespace }

// Stop stops the UI and the Temporal services and closes the database.
// Running workflows stay in the database and continue after the next Start.
// Calling Stop again returns the first result.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() {
		s.logger.setPhase(phaseStopping)
		var errs []error
		if s.ui != nil {
			s.ui.stop()
		}
		if s.temporal != nil {
			if err := s.temporal.Stop(); err != nil {
				errs = append(errs, fmt.Errorf("devserver: stop Temporal server: %w", err))
			}
		}
		s.stopErr = errors.Join(errs...)
	})
	return s.stopErr
}
