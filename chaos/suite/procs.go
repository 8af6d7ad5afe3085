package suite

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// proc is one child process, its output in a log file.
type proc struct {
	name string
	cmd  *exec.Cmd
	done chan struct{}
}

// start runs bin with args, its stderr (and stdout, when ready is nil)
// appended to dir/name.log. With ready, it reads the first stdout line as
// JSON into ready before returning.
func start(ctx context.Context, dir, name, bin string, args, env []string, ready any) (*proc, error) {
	logf, err := os.OpenFile(filepath.Join(dir, name+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var lines *bufio.Scanner
	if ready == nil {
		cmd.Stdout = logf
	} else {
		out, err := cmd.StdoutPipe()
		if err != nil {
			return nil, err
		}
		lines = bufio.NewScanner(out)
	}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	p := &proc{name: name, cmd: cmd, done: make(chan struct{})}
	go func() { cmd.Wait(); logf.Close(); close(p.done) }()
	if ready == nil {
		return p, nil
	}
	got := make(chan error, 1)
	go func() {
		if !lines.Scan() {
			got <- fmt.Errorf("%s exited before it was ready (see %s.log)", name, name)
			return
		}
		got <- json.Unmarshal(lines.Bytes(), ready)
		for lines.Scan() {
			fmt.Fprintln(logf, lines.Text())
		}
	}()
	select {
	case err = <-got:
	case <-ctx.Done():
		err = ctx.Err()
	case <-time.After(3 * time.Minute):
		err = fmt.Errorf("%s was not ready within 3 minutes (see %s.log)", name, name)
	}
	if err != nil {
		p.kill()
		return nil, err
	}
	return p, nil
}

// kill sends SIGKILL to the process group and waits for the exit.
func (p *proc) kill() {
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	<-p.done
}

// stop sends SIGTERM and waits up to a minute, then kills.
func (p *proc) stop() {
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(time.Minute):
		p.kill()
	}
}

// build compiles the programs the run starts into dir/bin.
func build(ctx context.Context, repo, dir string) (map[string]string, error) {
	bins := map[string]string{}
	for name, pkg := range map[string]string{"starter": "./starter", "worker": "./worker", "fleetsim": "./cloudsim/cmd/fleetsim"} {
		out := filepath.Join(dir, "bin", name)
		cmd := exec.CommandContext(ctx, "go", "build", "-o", out, pkg)
		cmd.Dir = repo
		if b, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("go build %s: %v\n%s", pkg, err, b)
		}
		bins[name] = out
	}
	return bins, nil
}
