package devserver

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	uiserver "github.com/temporalio/ui-server/v2/server"
	uiconfig "github.com/temporalio/ui-server/v2/server/config"
	"github.com/temporalio/ui-server/v2/server/server_options"
)

// uiServer is a running Web UI.
type uiServer struct {
	srv  *uiserver.Server
	url  string
	done chan struct{} // closed when srv.Start returns
}

// uiConfig is the Web UI configuration: every workflow action enabled
// (signal, update, cancel, terminate, reset, start, batch), query errors
// shown, no calls to the internet.
func uiConfig(o Options, frontend string) *uiconfig.Config {
	cfg := &uiconfig.Config{
		TemporalGRPCAddress: frontend,
		Host:                o.IP,
		Port:                o.UIPort,
		EnableUI:            true,
		DefaultNamespace:    o.Namespace,
		// Write actions: all allowed (the dev stack approves through the UI).
		DisableWriteActions:       false,
		WorkflowTerminateDisabled: false,
		WorkflowCancelDisabled:    false,
		WorkflowSignalDisabled:    false,
		WorkflowUpdateDisabled:    false,
		WorkflowResetDisabled:     false,
		WorkflowPauseDisabled:     false,
		BatchActionsDisabled:      false,
		StartWorkflowDisabled:     false,
		ActivityCommandsDisabled:  false,
		HideWorkflowQueryErrors:   false,
		// No news or version checks against the internet.
		DisableNewsFetch:   true,
		NotifyOnNewVersion: false,
		// Plain HTTP: the CSRF cookie must not be marked Secure, or browsers
		// reaching the UI by a non-localhost address drop it and every
		// signal/update POST fails.
		CORS: uiconfig.CORS{CookieInsecure: true},
		// No per-request access log on stdout.
		HideLogs: true,
		// Payloads are decoded in the browser through the codec server.
		Codec: uiconfig.Codec{Endpoint: o.CodecEndpoint},
	}
	if o.TLS != nil {
		cfg.TLS = o.TLS.uiTLS(dialHost(o.IP))
	}
	return cfg
}

// startUI starts the Web UI and waits until it answers /healthz.
func startUI(ctx context.Context, o Options, frontend string) (_ *uiServer, err error) {
	cfg := uiConfig(o, frontend)
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("devserver: Web UI config: %w", err)
	}
	defer func() {
		// uiserver.NewServer panics on setup errors.
		if r := recover(); r != nil {
			err = fmt.Errorf("devserver: start Web UI: %v", r)
		}
	}()
	srv := uiserver.NewServer(server_options.WithConfigProvider(cfg))
	u := &uiServer{
		srv:  srv,
		url:  "http://" + net.JoinHostPort(dialHost(o.IP), strconv.Itoa(o.UIPort)),
		done: make(chan struct{}),
	}
	go func() {
		defer close(u.done)
		// Start blocks until stop. Its listen errors exit the process, which
		// is why Start checks the port first.
		if err := srv.Start(); err != nil {
			o.Logger.Error("devserver: Web UI stopped", slog.Any("error", err))
		}
	}()
	if err := waitHTTP(ctx, u.url+"/healthz"); err != nil {
		u.stop()
		return nil, fmt.Errorf("devserver: Web UI at %s not ready: %w", u.url, err)
	}
	return u, nil
}

// stop closes the UI's listener and connections.
func (u *uiServer) stop() {
	u.srv.Stop()
	select {
	case <-u.done:
	case <-time.After(5 * time.Second):
	}
}

// waitHTTP polls url until it answers 200 or ctx ends.
func waitHTTP(ctx context.Context, url string) error {
	hc := &http.Client{Timeout: time.Second}
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		resp, err := hc.Do(req)
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("status %s", resp.Status)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last: %v)", ctx.Err(), err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}
