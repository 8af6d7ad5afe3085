package awsfront

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/fleetpatch/fleetpatch/cloudsim"
)

// Options configure the emulator. The zero value works.
type Options struct {
	// PageSize caps every page of every list, whatever MaxResults asks;
	// 0 means 5, small enough that clients must paginate.
	PageSize int
	// HomeAccount is the account of credentials that AssumeRole did not
	// issue (the worker's own); 0 means "000000000000".
	HomeAccount string
	// ExternalIDs maps an account to the external ID its role requires.
	ExternalIDs map[string]string
	// ExecutionTimeout is the simulated time an Install may run before its
	// invocations end TimedOut (the document's own timeout); 0 means 2h.
	ExecutionTimeout time.Duration
	// InvocationLag is how many ListCommandInvocations calls for a new
	// command return no invocations yet (as right after SendCommand on
	// AWS); 0 means 1, negative means none.
	InvocationLag int
	// Throttle is the injected throttling from the start.
	Throttle Throttle
	// Documents name the customer Command documents that exist in every
	// account and region, as if made there with CreateDocument: SendCommand
	// runs them on any platform (see sendDocument). Other names than AWS's
	// documents the emulator knows fail InvalidDocument.
	Documents []string
}

// Server is the emulator: an http.Handler over a simulated fleet.
type Server struct {
	fleet *cloudsim.Fleet
	opts  Options

	ctx    context.Context
	cancel context.CancelFunc

	mu         sync.Mutex
	commands   map[string]*command
	compliance map[string]*compliance
	objects    map[string]object
	denied     map[string]string
	// deniedActions maps "account|action" to why the action is denied
	// (see DenyAction).
	deniedActions map[string]string
	calls         []Call
	throttle      throttler
	seq           uint64
	wg            sync.WaitGroup

	// scripts are the commands of the script documents and customer
	// documents (health checks and hooks), by command ID (ssm_scripts.go,
	// ssm_documents.go); guarded by mu.
	scripts map[string]*command
	// kms is the KMS emulator's key material (kms.go); guarded by mu.
	kms kmsKeys
}

// New returns an emulator over the fleet.
func New(f *cloudsim.Fleet, opts Options) *Server {
	if opts.PageSize <= 0 {
		opts.PageSize = 5
	}
	if opts.HomeAccount == "" {
		opts.HomeAccount = "000000000000"
	}
	if opts.ExecutionTimeout <= 0 {
		opts.ExecutionTimeout = 2 * time.Hour
	}
	switch {
	case opts.InvocationLag == 0:
		opts.InvocationLag = 1
	case opts.InvocationLag < 0:
		opts.InvocationLag = 0
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		fleet: f, opts: opts, ctx: ctx, cancel: cancel,
		commands: map[string]*command{}, scripts: map[string]*command{}, compliance: map[string]*compliance{},
		objects: map[string]object{}, denied: map[string]string{}, deniedActions: map[string]string{},
	}
	s.throttle.set(opts.Throttle)
	return s
}

// Fleet returns the simulated fleet behind the emulator.
func (s *Server) Fleet() *cloudsim.Fleet { return s.fleet }

// Close stops the commands still running and waits for them.
func (s *Server) Close() {
	s.cancel()
	s.wg.Wait()
}

// DenyAssumeRole makes AssumeRole into the account fail with AccessDenied
// and the message (an empty message allows it again).
func (s *Server) DenyAssumeRole(account, message string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if message == "" {
		delete(s.denied, account)
		return
	}
	s.denied[account] = message
}

// ServeHTTP routes a request to SSM or KMS (X-Amz-Target), CloudWatch (the
// rpcv2Cbor path of its service), STS (a form POST with Action) or S3
// (everything else, path-style).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	cred := parseCredential(r)
	switch {
	case strings.HasPrefix(r.Header.Get("X-Amz-Target"), ssmTargetPrefix):
		s.serveSSM(w, r, cred)
	case strings.HasPrefix(r.Header.Get("X-Amz-Target"), kmsTargetPrefix):
		s.serveKMS(w, r, cred)
	case strings.HasPrefix(r.URL.Path, cloudWatchPath):
		s.serveCloudWatch(w, r, cred)
	case cred.service == "ec2":
		s.serveEC2(w, r, cred)
	case cred.service == "sts" || (r.Method == http.MethodPost && r.URL.Path == "/" &&
		strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded")):
		s.serveSTS(w, r, cred)
	default:
		s.serveS3(w, r, cred)
	}
}

// Start serves the emulator on addr (":0" picks a free port) until the
// returned stop function is called; it returns the base URL to use as the
// endpoint of every service.
func (s *Server) Start(addr string) (url string, stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			_ = err // the listener failed; requests will fail too
		}
	}()
	stop = func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-done
		s.Close()
	}
	return "http://" + ln.Addr().String(), stop, nil
}
