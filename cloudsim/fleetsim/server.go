package fleetsim

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/cloudsim/awsfront"
	"github.com/fleetpatch/fleetpatch/cloudsim/azurefront"
	"github.com/fleetpatch/fleetpatch/fleet"
)

// Endpoints say where a started service is; the command prints them as
// one JSON line.
type Endpoints struct {
	// AWS is the endpoint of SSM, STS and S3 (path-style), plain HTTP.
	AWS string `json:"aws"`
	// Azure is the ARM endpoint (Resource Graph, VMs, Arc), HTTPS with the
	// certificate in AzureCA.
	Azure   string `json:"azure"`
	AzureCA string `json:"azureCA"`
	// Admin is the base URL of the admin API (GET Admin+"/calls", ...).
	Admin string `json:"admin"`
	// Instances and Seed describe the fleet; State is its file, if any.
	Instances int    `json:"instances"`
	Seed      int64  `json:"seed"`
	State     string `json:"state,omitempty"`
	PID       int    `json:"pid"`
}

// Server is a running service. Close stops it.
type Server struct {
	fleet *cloudsim.Fleet
	aws   *awsfront.Server
	azure *azurefront.Server
	// arc maps the fleet IDs of the VMs presented as Arc machines to
	// their Arc resource IDs.
	arc       map[string]string
	endpoints Endpoints
	state     string
	servers   []*http.Server
	failed    chan error
	stopSave  context.CancelFunc
	saved     chan struct{}
	tempDir   string
}

// Start opens the fleet and serves both emulators and the admin API.
func Start(cfg Config) (*Server, error) {
	f, err := cloudsim.Open(cfg.State, cfg.Fleet)
	if err != nil {
		return nil, err
	}
	if cfg.Faults != nil {
		f.SetFaults(*cfg.Faults)
	}
	s := &Server{fleet: f, state: cfg.State, arc: map[string]string{}, failed: make(chan error, 3)}
	if err := s.serve(cfg); err != nil {
		_ = s.Close()
		return nil, err
	}
	s.endpoints.Instances, s.endpoints.Seed, s.endpoints.State, s.endpoints.PID = f.Len(), f.Seed(), cfg.State, os.Getpid()
	if cfg.State != "" {
		ctx, cancel := context.WithCancel(context.Background())
		s.stopSave, s.saved = cancel, make(chan struct{})
		go func() { f.SaveEvery(ctx, cfg.State, cfg.saveEvery(), cfg.Log); close(s.saved) }()
	}
	return s, nil
}

// serve starts the three listeners: the AWS emulator, the Azure emulator
// and the admin API.
func (s *Server) serve(cfg Config) error {
	every := throttleEvery(cfg.ThrottleShare)
	s.aws = awsfront.New(s.fleet, awsfront.Options{PageSize: cfg.AWSPageSize, Throttle: awsfront.Throttle{Every: every}})
	url, err := s.listen(cfg.AWSAddr, s.aws)
	if err != nil {
		return err
	}
	s.endpoints.AWS = "http://" + url
	if err := s.serveAzure(cfg, every); err != nil {
		return err
	}
	url, err = s.listen(cfg.AdminAddr, s.adminHandler())
	if err != nil {
		return err
	}
	s.endpoints.Admin = "http://" + url + "/admin"
	return nil
}

// serveAzure serves the Azure emulator over HTTPS with its certificate,
// written to the CA file.
func (s *Server) serveAzure(cfg Config, throttle int) error {
	arc := s.pickArc(cfg.ArcMachines)
	s.azure = azurefront.New(s.fleet, azurefront.Options{PageSize: cfg.AzurePageSize, ThrottleEvery: throttle, ArcMachines: arc})
	for _, id := range arc {
		s.arc[id] = s.azure.ArcID(id)
	}
	ln, err := net.Listen("tcp", addr(cfg.AzureAddr))
	if err != nil {
		return err
	}
	caFile := cfg.AzureCAFile
	if caFile == "" {
		if s.tempDir, err = os.MkdirTemp("", "fleetsim-"); err != nil {
			ln.Close()
			return err
		}
		caFile = filepath.Join(s.tempDir, "azure-ca.pem")
	}
	host, _, _ := net.SplitHostPort(hostPort(ln.Addr()))
	cert, err := azureCert(caFile, cfg.AzureKeyFile, host)
	if err != nil {
		ln.Close()
		return err
	}
	tlsCfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	s.start(tls.NewListener(ln, tlsCfg), s.azure)
	s.endpoints.Azure, s.endpoints.AzureCA = "https://"+hostPort(ln.Addr()), caFile
	return nil
}

// pickArc returns the first n Azure VMs of the fleet.
func (s *Server) pickArc(n int) []string {
	var out []string
	for _, in := range s.fleet.Instances() {
		if len(out) == n {
			break
		}
		if in.Cloud == fleet.CloudAzure {
			out = append(out, in.ID)
		}
	}
	return out
}

// listen serves h on a new listener and returns its host:port.
func (s *Server) listen(a string, h http.Handler) (string, error) {
	ln, err := net.Listen("tcp", addr(a))
	if err != nil {
		return "", err
	}
	s.start(ln, h)
	return hostPort(ln.Addr()), nil
}

// start serves h on ln until Close.
func (s *Server) start(ln net.Listener, h http.Handler) {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	s.servers = append(s.servers, srv)
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.failed <- err
		}
	}()
}

// hostPort is a listener's address as clients dial it: an unspecified IP
// (all interfaces) becomes 127.0.0.1.
func hostPort(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok || !tcp.IP.IsUnspecified() {
		return a.String()
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(tcp.Port))
}

// Endpoints returns where the service is.
func (s *Server) Endpoints() Endpoints { return s.endpoints }

// Fleet returns the simulated fleet behind both emulators.
func (s *Server) Fleet() *cloudsim.Fleet { return s.fleet }

// Failed receives an error when a listener stops serving.
func (s *Server) Failed() <-chan error { return s.failed }

// Close stops serving (requests in flight get a second to finish; the
// emulators answer at once, long operations are polled), stops the
// emulators' running operations, saves the fleet one last time (with
// State) and returns that save's error.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	for _, h := range s.servers {
		if h.Shutdown(ctx) != nil {
			_ = h.Close() // connections a client opened and never used
		}
	}
	if s.aws != nil {
		s.aws.Close()
	}
	if s.azure != nil {
		s.azure.Close()
	}
	var err error
	if s.stopSave != nil {
		s.stopSave()
		<-s.saved
		err = s.fleet.Save(s.state)
	}
	if s.tempDir != "" {
		_ = os.RemoveAll(s.tempDir)
	}
	return err
}
