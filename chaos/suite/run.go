package suite

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"golang.org/x/crypto/ssh"

	"github.com/fleetpatch/fleetpatch/activities"
	"github.com/fleetpatch/fleetpatch/activities/s3store"
	"github.com/fleetpatch/fleetpatch/approval"
	"github.com/fleetpatch/fleetpatch/internal/freeport"
	"github.com/fleetpatch/fleetpatch/workflows"
)

// endpoints is the line fleetsim prints when it is ready.
type endpoints struct {
	AWS     string `json:"aws"`
	Azure   string `json:"azure"`
	AzureCA string `json:"azureCA"`
	Admin   string `json:"admin"`
}

// stack is the running processes of one chaos run.
type stack struct {
	cfg     Config
	bins    map[string]string
	eps     endpoints
	policy  string
	port    int
	address string

	mu      sync.Mutex
	server  *proc
	workers []*proc
	sim     *proc
}

// Run runs one chaos cycle and checks it. The error is for a run that
// could not be carried out; failed checks are in the Result.
func Run(ctx context.Context, cfg Config) (Result, error) {
	cfg = cfg.withDefaults()
	// The Temporal database, the fleet and the reports of an earlier run
	// would mix with this one's: the cycle would resume the old run, whose
	// artifacts the new emulators do not hold.
	if entries, err := os.ReadDir(cfg.Dir); err == nil && len(entries) > 0 {
		return Result{}, fmt.Errorf("%s holds an earlier run (%s, …): give an empty or new directory", cfg.Dir, entries[0].Name())
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	began := time.Now()
	s := &stack{cfg: cfg}
	defer s.stopAll()
	logf := func(format string, args ...any) {
		fmt.Fprintf(cfg.Log, "%s "+format+"\n", append([]any{time.Since(began).Round(time.Second)}, args...)...)
	}
	if err := s.setUp(ctx, logf); err != nil {
		return Result{}, err
	}
	c, err := dial(ctx, s.address)
	if err != nil {
		return Result{}, err
	}
	defer c.Close()
	cycle := workflows.CycleOf(time.Now())
	id := workflows.WorkflowID(group, cycle)
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: workflows.TaskQueue}, workflows.PatchCycleWorkflow,
		workflows.CycleInput{Group: group, Cycle: cycle, InstallNow: true, Tuning: workflows.Tuning{
			HeartbeatTimeout: 10 * time.Second, RetryInterval: time.Second, LockRetry: 5 * time.Second, RebootTimeout: 2 * time.Minute}})
	if err != nil {
		return Result{}, err
	}
	logf("started %s (run %s) over %d servers", id, run.GetRunID(), cfg.Servers)
	if err := s.approve(ctx, c, id, logf); err != nil {
		return Result{}, err
	}
	chaosDone := make(chan chaosCount, 1)
	stopChaos := make(chan struct{})
	go func() { chaosDone <- s.chaos(ctx, stopChaos, logf) }()
	var res workflows.CycleResult
	err = retry(ctx, func() error { return c.GetWorkflow(ctx, id, run.GetRunID()).Get(ctx, &res) })
	close(stopChaos)
	counts := <-chaosDone
	if err != nil {
		return Result{}, fmt.Errorf("the cycle: %w", err)
	}
	logf("cycle ended %s: %+v", res.Status, res.Counts)
	st, err := status(ctx, c, id)
	if err != nil {
		return Result{}, err
	}
	r := Result{Servers: cfg.Servers, Workers: cfg.Workers, Kills: counts.kills, ServerRestarts: counts.restarts,
		Status: res.Status, Reason: st.Reason, Counts: res.Counts, Duration: time.Since(began)}
	r.Checks, err = check(ctx, checkInput{admin: s.eps.Admin, store: s.store(), dir: cfg.Dir, cycle: cycle, runID: run.GetRunID(), status: st})
	return r, err
}

// setUp builds the programs, makes the fleet and the policy, and starts
// the emulators, the server and the workers.
func (s *stack) setUp(ctx context.Context, logf func(string, ...any)) error {
	cfg := s.cfg
	for _, d := range []string{"logs", "reports"} {
		if err := os.MkdirAll(filepath.Join(cfg.Dir, d), 0o755); err != nil {
			return err
		}
	}
	var err error
	if s.bins, err = build(ctx, cfg.Repo, cfg.Dir); err != nil {
		return err
	}
	logf("built starter, worker and fleetsim")
	state := filepath.Join(cfg.Dir, "fleet.json.gz")
	if err := makeFleet(cfg, state); err != nil {
		return err
	}
	pol, err := makePolicy(cfg)
	if err != nil {
		return err
	}
	s.policy = pol.Path
	s.sim, err = start(ctx, s.logs(), "fleetsim", s.bins["fleetsim"], []string{
		"--state", state, "--azure-ca", filepath.Join(cfg.Dir, "azure-ca.pem"), "--azure-key", filepath.Join(cfg.Dir, "azure-key.pem"),
		"--aws-addr", "127.0.0.1:0", "--azure-addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0",
		"--scan-failure-rate", ff(scanFailureRate), "--install-failure-rate", ff(installFailureRate),
		"--reboot-hang-rate", ff(rebootHangRate), "--throttle", ff(throttleShare),
		// SSM's own page size for ListCommands (the emulator's default, 5,
		// tests paging; here it would only slow every command lookup).
		"--aws-page-size", "50"}, nil, &s.eps)
	if err != nil {
		return err
	}
	logf("emulators: AWS %s, Azure %s, admin %s", s.eps.AWS, s.eps.Azure, s.eps.Admin)
	// The server's block: the frontend and its internal services (no UI).
	if s.port, err = freeport.Block(8); err != nil {
		return err
	}
	if err := s.startServer(ctx); err != nil {
		return err
	}
	logf("Temporal server at %s", s.address)
	for i := 0; i < cfg.Workers; i++ {
		w, err := s.startWorker(ctx, i)
		if err != nil {
			return err
		}
		s.workers = append(s.workers, w)
	}
	logf("%d workers running", cfg.Workers)
	return nil
}

func (s *stack) logs() string { return filepath.Join(s.cfg.Dir, "logs") }

func (s *stack) startServer(ctx context.Context) error {
	var ready struct{ Address string }
	p, err := start(ctx, s.logs(), "server", s.bins["starter"], []string{"server", "--data", filepath.Join(s.cfg.Dir, "temporal"),
		"--port", strconv.Itoa(s.port), "--ui-port", "-1"}, nil, &ready)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.server, s.address = p, ready.Address
	s.mu.Unlock()
	return nil
}

func (s *stack) startWorker(ctx context.Context, i int) (*proc, error) {
	return start(ctx, s.logs(), "worker-"+strconv.Itoa(i), s.bins["worker"], []string{
		"--provider", "multi", "--address", s.address, "--policy", s.policy,
		// Each worker has its own directory; they share only Temporal and
		// the artifact store in the emulator's S3.
		"--data", filepath.Join(s.cfg.Dir, "worker-"+strconv.Itoa(i)), "--store", "s3://" + chaosBucket + "/artifacts",
		"--reports", filepath.Join(s.cfg.Dir, "reports"), "--metrics", "",
		"--aws-endpoint", s.eps.AWS, "--aws-bucket", chaosBucket, "--aws-poll", "500ms", "--aws-rate", "40", "--azure-endpoint", s.eps.Azure, "--azure-ca", s.eps.AzureCA,
		"--azure-emulator", "--azure-poll", "500ms", "--log-level", "warn", "--stop-timeout", "2s",
	}, []string{"AWS_ACCESS_KEY_ID=AKIAFLEETPATCHCHAOS1", "AWS_SECRET_ACCESS_KEY=chaos", "AWS_REGION=eu-west-1"}, nil)
}

// chaosBucket holds the install lists and the shared artifact store.
const chaosBucket = "fleetpatch-chaos"

// store is the workers' artifact store, read through the real S3 client.
func (s *stack) store() activities.Store {
	client := s3.New(s3.Options{Region: "eu-west-1", BaseEndpoint: aws.String(s.eps.AWS), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider("AKIAFLEETPATCHCHAOS1", "chaos", "")})
	return s3store.New(client, chaosBucket, "artifacts")
}

// chaosCount is what the chaos goroutine did.
type chaosCount struct{ kills, restarts int }

// chaos kills a random worker every few seconds (restarting it a moment
// later) until cfg.Kills kills are done or stop closes, and kills and
// restarts the Temporal server halfway through the kills.
func (s *stack) chaos(ctx context.Context, stop <-chan struct{}, logf func(string, ...any)) chaosCount {
	rng := rand.New(rand.NewPCG(uint64(s.cfg.Seed), 0xc4a05))
	var n chaosCount
	restartAt := s.cfg.Kills / 2
	for n.kills < s.cfg.Kills || n.restarts < s.cfg.ServerRestarts {
		select {
		case <-stop:
			return n
		case <-ctx.Done():
			return n
		case <-time.After(time.Duration(2000+rng.IntN(6000)) * time.Millisecond):
		}
		if n.restarts < s.cfg.ServerRestarts && n.kills >= restartAt {
			s.mu.Lock()
			srv := s.server
			s.mu.Unlock()
			srv.kill()
			time.Sleep(time.Second)
			if err := s.startServer(ctx); err != nil {
				logf("restarting the server: %v", err)
				return n
			}
			n.restarts++
			logf("killed and restarted the Temporal server")
			continue
		}
		if n.kills >= s.cfg.Kills {
			continue
		}
		i := rng.IntN(len(s.workers))
		s.workers[i].kill()
		time.Sleep(time.Duration(200+rng.IntN(1500)) * time.Millisecond)
		w, err := s.startWorker(ctx, i)
		if err != nil {
			logf("restarting worker %d: %v", i, err)
			return n
		}
		s.mu.Lock()
		s.workers[i] = w
		s.mu.Unlock()
		n.kills++
		logf("SIGKILLed and restarted worker %d (kill %d of %d)", i, n.kills, s.cfg.Kills)
	}
	return n
}

// approve waits for the review and sends the approver's signed approval.
func (s *stack) approve(ctx context.Context, c client.Client, id string, logf func(string, ...any)) error {
	var st workflows.CycleStatus
	for {
		var err error
		if st, err = status(ctx, c, id); err == nil && st.Phase == workflows.PhaseAwaitingApproval && st.Sign != nil {
			break
		}
		if err == nil && st.Status != "" {
			return fmt.Errorf("the cycle ended %s before its approval: %s %s", st.Status, st.Reason, st.Failure)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
	keyFile := filepath.Join(s.cfg.Dir, "approvers", approver)
	b, err := os.ReadFile(keyFile)
	if err != nil {
		return err
	}
	signer, err := ssh.ParsePrivateKey(b)
	if err != nil {
		return err
	}
	signed, err := approval.Sign(approval.Statement{Namespace: st.Sign.Namespace, Workflow: st.Sign.Workflow, Run: st.Sign.Run,
		Decision: approval.Approve, Approver: approver, Digest: st.Sign.Digest, Start: approval.StartNow,
		Expires: time.Now().Add(24 * time.Hour).UTC().Truncate(time.Second), Comment: "chaos suite"}, signer)
	if err != nil {
		return err
	}
	h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: id, UpdateName: workflows.ApproveName,
		WaitForStage: client.WorkflowUpdateStageCompleted, Args: []any{workflows.ApproveInput{Signed: signed}}})
	if err == nil {
		err = h.Get(ctx, nil)
	}
	if err != nil {
		return fmt.Errorf("approve: %w", err)
	}
	logf("approved %d patches on %d instances (digest %s)", len(st.Review.Patches), st.Review.Instances, st.Sign.Digest)
	return nil
}

func (s *stack) stopAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, w := range s.workers {
		w.kill()
	}
	if s.server != nil {
		s.server.stop()
	}
	if s.sim != nil {
		s.sim.stop()
	}
}

func dial(ctx context.Context, address string) (client.Client, error) {
	var c client.Client
	err := retry(ctx, func() (err error) {
		c, err = client.DialContext(ctx, client.Options{HostPort: address, Logger: sdklog.NewStructuredLogger(discard)})
		return err
	})
	return c, err
}

func status(ctx context.Context, c client.Client, id string) (workflows.CycleStatus, error) {
	var st workflows.CycleStatus
	err := retry(ctx, func() error {
		qctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		v, err := c.QueryWorkflow(qctx, id, "", workflows.StatusQuery)
		if err == nil {
			err = v.Get(&st)
		}
		return err
	})
	return st, err
}

// retry calls f until it succeeds or ctx ends: the server may be
// restarting.
func retry(ctx context.Context, f func() error) error {
	for {
		err := f()
		if err == nil || ctx.Err() != nil {
			return err
		}
		if !transient(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func ff(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
