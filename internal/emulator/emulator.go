// Package emulator starts the third-party storage emulators that the sink
// tests run against: s3rver (S3) and Azurite (Azure Blob Storage), both
// from the npm registry, installed by .ci/install-emulators.
//
// A test finds an emulator through its environment variable (FLEETPATCH_S3RVER,
// FLEETPATCH_AZURITE: the path of the s3rver or azurite-blob executable) or
// in the default install folders ($HOME/.cache/fleetpatch-emulators and
// .emulators/ at the repository root). When node or the emulator is
// missing the test is skipped with a message saying how to install it,
// except under CI (CI=true), where it fails.
package emulator

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// AzuriteAccount and AzuriteKey are Azurite's well-known development
// account and key.
const (
	AzuriteAccount = "devstoreaccount1"
	AzuriteKey     = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)

// S3rver starts s3rver on a free local port with the bucket created and
// returns its endpoint URL. It sets the AWS credential and region
// environment variables the SDK's default chain reads (s3rver accepts its
// fixed S3RVER/S3RVER keys).
func S3rver(t testing.TB, bucket string) string {
	t.Helper()
	bin := find(t, "FLEETPATCH_S3RVER", "s3rver")
	port := freePort(t)
	start(t, bin, port, "--directory", t.TempDir(), "--address", "127.0.0.1", "--port", strconv.Itoa(port),
		"--silent", "--configure-bucket", bucket)
	AWSEnv(t, "S3RVER", "S3RVER", "us-east-1", nil)
	return fmt.Sprintf("http://127.0.0.1:%d", port)
}

// AWSEnv makes the AWS SDK's default configuration, for the rest of the
// test, use these static credentials and region and nothing from the
// machine (no shared files, no instance metadata), plus the extra
// variables (such as AWS_ENDPOINT_URL_KMS).
func AWSEnv(t testing.TB, accessKey, secretKey, region string, extra map[string]string) {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("AWS_ACCESS_KEY_ID", accessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", secretKey)
	t.Setenv("AWS_REGION", region)
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "none"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	for k, v := range extra {
		t.Setenv(k, v)
	}
}

// Azurite starts Azurite's blob service on a free local port and returns
// a connection string for the development account.
func Azurite(t testing.TB) string {
	t.Helper()
	bin := find(t, "FLEETPATCH_AZURITE", "azurite-blob")
	port := freePort(t)
	start(t, bin, port, "--blobHost", "127.0.0.1", "--blobPort", strconv.Itoa(port), "--location", t.TempDir(),
		"--silent", "--skipApiVersionCheck", "--loose")
	return fmt.Sprintf("DefaultEndpointsProtocol=http;AccountName=%s;AccountKey=%s;BlobEndpoint=http://127.0.0.1:%d/%s;",
		AzuriteAccount, AzuriteKey, port, AzuriteAccount)
}

// find locates an emulator's executable, or skips (fails under CI).
func find(t testing.TB, env, name string) string {
	t.Helper()
	unavailable := func(why string) {
		msg := fmt.Sprintf("%s not installed: run .ci/install-emulators (%s)", name, why)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	if _, err := exec.LookPath("node"); err != nil {
		unavailable("node is not on PATH")
	}
	var candidates []string
	if p := os.Getenv(env); p != "" {
		candidates = append(candidates, p)
	}
	if home, err := os.UserHomeDir(); err == nil {
		candidates = append(candidates, filepath.Join(home, ".cache", "fleetpatch-emulators", "node_modules", ".bin", name))
	}
	if root := moduleRoot(); root != "" {
		candidates = append(candidates, filepath.Join(root, ".emulators", "node_modules", ".bin", name))
	}
	for _, c := range candidates {
		if fi, err := os.Stat(c); err == nil && !fi.IsDir() {
			return c
		}
	}
	unavailable(fmt.Sprintf("looked in $%s and %v", env, candidates))
	return ""
}

// start runs an emulator until the test ends and waits until its port
// accepts connections.
func start(t testing.TB, bin string, port int, args ...string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	log, err := os.Create(filepath.Join(t.TempDir(), "emulator.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
		log.Close()
	})
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	for deadline := time.Now().Add(60 * time.Second); ; {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return
		}
		select {
		case err := <-exited:
			out, _ := os.ReadFile(log.Name())
			t.Fatalf("%s exited before listening: %v\n%s", bin, err, out)
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			out, _ := os.ReadFile(log.Name())
			t.Fatalf("%s is not listening on %s after 60s:\n%s", bin, addr, out)
		}
	}
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// moduleRoot is the directory of the nearest go.mod above the working
// directory.
func moduleRoot() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}
