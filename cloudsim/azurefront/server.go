package azurefront

import (
	"context"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/fleet"
)

// Options configure the emulator. The zero value works.
type Options struct {
	// PageSize caps every Resource Graph page, whatever $top asks; 0 means
	// 25, small enough that clients must page.
	PageSize int
	// ArcMachines are fleet IDs of Azure VMs presented as Arc machines.
	ArcMachines []string
	// RetryAfter is the delay a 429 asks for; 0 means 1s.
	RetryAfter time.Duration
	// ThrottleEvery throttles every Nth request (0: none).
	ThrottleEvery int
}

// Server is the emulator: an http.Handler over a simulated fleet.
type Server struct {
	fleet *cloudsim.Fleet
	opts  Options

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	// vms maps a lower-cased VM resource ID to the fleet's ID; arc maps a
	// lower-cased Arc resource ID to the fleet's ID, fleetArc back.
	vms, arc, fleetArc map[string]string

	mu          sync.Mutex
	calls       []Call
	ops         map[string]*operation
	busy        map[string]string // fleet ID -> running operation
	deallocated map[string]bool
	// Arc machines' latest assessments (by fleet ID), installations and
	// run commands (by lower-cased ID).
	assessments   map[string]patchRun
	installations []patchRun
	runCommands   map[string]*arcRunCommand
	hidePatches   bool
	// denied maps "subscription|action" to why the action is denied (see
	// DenyAction).
	denied    map[string]string
	throttleN int
	requests  int
	seq       int
	// vaultKeys are the Key Vault emulator's keys by name (keyvault.go).
	vaultKeys map[string]*rsa.PrivateKey

	url  string
	pool *x509.CertPool
	srv  *http.Server
}

// New returns an emulator over the fleet's Azure VMs.
func New(f *cloudsim.Fleet, opts Options) *Server {
	if opts.PageSize <= 0 {
		opts.PageSize = 25
	}
	if opts.RetryAfter <= 0 {
		opts.RetryAfter = time.Second
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{fleet: f, opts: opts, ctx: ctx, cancel: cancel,
		vms: map[string]string{}, arc: map[string]string{}, fleetArc: map[string]string{},
		ops: map[string]*operation{}, busy: map[string]string{}, deallocated: map[string]bool{},
		assessments: map[string]patchRun{}, runCommands: map[string]*arcRunCommand{}, denied: map[string]string{}}
	arc := map[string]bool{}
	for _, id := range opts.ArcMachines {
		arc[id] = true
	}
	for _, in := range f.Instances() {
		if in.Cloud != fleet.CloudAzure {
			continue
		}
		if arc[in.ID] {
			aid := "/subscriptions/" + in.Account + "/resourceGroups/" + in.ResourceGroup + "/providers/Microsoft.HybridCompute/machines/" + in.Name
			s.arc[strings.ToLower(aid)], s.fleetArc[in.ID] = in.ID, aid
			continue
		}
		s.vms[strings.ToLower(in.ID)] = in.ID
	}
	return s
}

// Fleet returns the simulated fleet behind the emulator.
func (s *Server) Fleet() *cloudsim.Fleet { return s.fleet }

// ArcID returns the Arc resource ID under which a fleet VM is presented.
func (s *Server) ArcID(fleetID string) string { return s.fleetArc[fleetID] }

// Deallocate marks a VM deallocated (true) or running again (false).
func (s *Server) Deallocate(fleetID string, deallocated bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deallocated[fleetID] = deallocated
}

func (s *Server) isDeallocated(fleetID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.deallocated[fleetID]
}

// ThrottleNext answers the next n requests with 429.
func (s *Server) ThrottleNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.throttleN = n
}

// throttled decides whether this request is throttled.
func (s *Server) throttled() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests++
	if s.throttleN > 0 {
		s.throttleN--
		return true
	}
	return s.opts.ThrottleEvery > 0 && s.requests%s.opts.ThrottleEvery == 0
}

// Start serves HTTPS on 127.0.0.1 with a certificate generated now; it
// returns the base URL (the ARM endpoint to configure).
func (s *Server) Start() (string, error) {
	cert, err := SelfSigned("azurefront", "", 24*time.Hour)
	if err != nil {
		return "", err
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert.Leaf)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	s.pool, s.url = pool, "https://"+ln.Addr().String()
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second,
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}}
	go func() {
		if err := s.srv.ServeTLS(ln, "", ""); err != nil && !errors.Is(err, http.ErrServerClosed) {
			_ = err // the listener failed; requests fail too
		}
	}()
	return s.url, nil
}

// URL returns the base URL once started.
func (s *Server) URL() string { return s.url }

// CertPool returns the pool that trusts the emulator's certificate.
func (s *Server) CertPool() *x509.CertPool { return s.pool }

// Close stops serving and ends the running operations.
func (s *Server) Close() {
	if s.srv != nil {
		_ = s.srv.Close()
	}
	s.cancel()
	s.wg.Wait()
}

// ServeHTTP routes a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c := Call{Method: r.Method, Path: r.URL.Path, Op: "unknown"}
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	defer func() {
		c.Status, c.Error = rec.status, rec.code
		s.record(c)
	}()
	if isKeyVaultPath(r.URL.Path) {
		s.serveKeyVault(rec, r, &c)
		return
	}
	if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
		writeError(rec, http.StatusUnauthorized, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.")
		return
	}
	if s.refuse(rec, r, &c) {
		return
	}
	if s.throttled() {
		c.Op = "throttled"
		writeThrottled(rec, s.opts.RetryAfter)
		return
	}
	s.route(rec, r, &c)
}

// route dispatches by path.
func (s *Server) route(w *statusRecorder, r *http.Request, c *Call) {
	p := r.URL.Path
	lp := strings.ToLower(p)
	switch {
	case r.Method == http.MethodPost && lp == "/providers/microsoft.resourcegraph/resources":
		c.Op = "resources"
		s.serveGraph(w, r)
	case r.Method == http.MethodGet && isOperationPath(lp):
		id := p[strings.LastIndex(p, "/")+1:]
		c.Resource = id
		if r.URL.Query().Get("monitor") == "true" {
			c.Op = "operationResult"
			s.serveOperationResult(w, r, id)
		} else {
			c.Op = "operationStatus"
			s.serveOperationStatus(w, id)
		}
	case r.Method == http.MethodGet && isMonitorPath(p):
		s.routeMonitor(w, r, c)
	case strings.Contains(lp, "/providers/microsoft.compute/virtualmachines/"):
		vm, action := splitAction(p, "/providers/microsoft.compute/virtualmachines/")
		c.Resource, c.Op = vm, action
		id, ok := s.vms[strings.ToLower(vm)]
		if !ok {
			writeError(w, http.StatusNotFound, "ResourceNotFound", "The Resource 'Microsoft.Compute/virtualMachines/"+vm[strings.LastIndex(vm, "/")+1:]+"' was not found.")
			return
		}
		c.Resource = id
		s.serveVM(w, r, id, action)
	case strings.Contains(lp, "/providers/microsoft.hybridcompute/machines/"):
		s.routeArc(w, r, c)
	case strings.Contains(lp, "/providers/microsoft.compute/snapshots"):
		s.routeSnapshots(w, r, c)
	default:
		writeError(w, http.StatusNotFound, "NotFound", "the emulator does not serve "+r.Method+" "+p)
	}
}

// isOperationPath reports whether a lower-cased path is an operation's
// status or result URL (Microsoft.Compute or Microsoft.HybridCompute).
func isOperationPath(lp string) bool {
	return (strings.Contains(lp, "/providers/microsoft.compute/locations/") || strings.Contains(lp, "/providers/microsoft.hybridcompute/locations/")) &&
		strings.Contains(lp, "/operations/")
}

// splitAction splits ".../virtualMachines/{name}/{action}" into the VM's
// resource ID and the action ("" for the VM itself).
func splitAction(p, marker string) (string, string) {
	i := strings.Index(strings.ToLower(p), marker) + len(marker)
	name, action, _ := strings.Cut(p[i:], "/")
	return p[:i] + name, action
}

// statusRecorder remembers the status and ARM error code answered.
type statusRecorder struct {
	http.ResponseWriter
	status int
	code   string
}

func (r *statusRecorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status >= 400 && r.code == "" {
		if i := strings.Index(string(b), `"code":"`); i >= 0 {
			rest := string(b[i+8:])
			r.code = rest[:strings.Index(rest, `"`)]
		}
	}
	return r.ResponseWriter.Write(b)
}
