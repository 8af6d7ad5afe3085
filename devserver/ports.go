package devserver

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"syscall"

	"github.com/fleetpatch/fleetpatch/internal/freeport"
)

// portSpan is how many consecutive ports, starting at Options.Port, the
// server uses.
const portSpan = 8

// PortLayout is the fixed set of ports derived from the frontend port. Fixed
// (not random) ports keep the cluster membership rows in the database valid
// across restarts, so a restarted server does not try to join dead peers.
type PortLayout struct {
	Frontend, History, Matching, Worker                       int // gRPC
	FrontendMembership, HistoryMembership, MatchingMembership int // ringpop
	WorkerMembership                                          int // ringpop
}

// NewPortLayout returns the layout for a frontend port: history, matching and
// worker gRPC on port+1..+3, membership of the four services on port+4..+7.
func NewPortLayout(port int) PortLayout {
	return PortLayout{
		Frontend:           port,
		History:            port + 1,
		Matching:           port + 2,
		Worker:             port + 3,
		FrontendMembership: port + 4,
		HistoryMembership:  port + 5,
		MatchingMembership: port + 6,
		WorkerMembership:   port + 7,
	}
}

// portUse names one port that Start is about to listen on.
type portUse struct {
	ip    string
	port  int
	label string // how the error names the port
	flag  string // the CLI flag that moves it
}

// checkPorts fails with a clear message on the first port that cannot be
// listened on. Nothing is started before every port passed.
func checkPorts(o Options) error {
	l := NewPortLayout(o.Port)
	internal := internalIP(o.IP)
	internalPort := func(port int, service string) portUse {
		label := fmt.Sprintf("port %d (%s, frontend port+%d)", port, service, port-o.Port)
		return portUse{internal, port, label, "--port"}
	}
	uses := []portUse{
		{o.IP, l.Frontend, fmt.Sprintf("port %d", l.Frontend), "--port"},
		internalPort(l.History, "history service"),
		internalPort(l.Matching, "matching service"),
		internalPort(l.Worker, "worker service"),
		internalPort(l.FrontendMembership, "frontend membership"),
		internalPort(l.HistoryMembership, "history membership"),
		internalPort(l.MatchingMembership, "matching membership"),
		internalPort(l.WorkerMembership, "worker membership"),
	}
	if o.UIPort != UIDisabled {
		uses = append(uses, portUse{o.IP, o.UIPort, fmt.Sprintf("Web UI port %d", o.UIPort), "--ui-port"})
	}
	for _, u := range uses {
		err := probe(u.ip, u.port)
		if err == nil {
			continue
		}
		if errors.Is(err, syscall.EADDRINUSE) {
			return fmt.Errorf("devserver: %s is already in use (is another Temporal dev server running?); choose another with %s",
				u.label, u.flag)
		}
		return fmt.Errorf("devserver: cannot listen on %s for %s: %w",
			net.JoinHostPort(u.ip, strconv.Itoa(u.port)), u.label, err)
	}
	return nil
}

// probe listens on ip:port and closes the listener at once.
func probe(ip string, port int) error {
	ln, err := net.Listen("tcp", net.JoinHostPort(ip, strconv.Itoa(port)))
	if err != nil {
		return err
	}
	return ln.Close()
}

// FreePorts finds a frontend port whose block of ports (the frontend and
// the internal services) and the port after it (for the Web UI) are free
// on 127.0.0.1 at the moment: for tests and tools that start servers side
// by side.
func FreePorts() (port, uiPort int, err error) {
	port, err = freeport.Block(portSpan + 1)
	return port, port + portSpan, err
}
