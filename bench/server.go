package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// server is a warden process under test.
type server struct {
	public, admin string
	cmd           *exec.Cmd
	dir           string
	keep          bool
	startup       time.Duration
	client        *http.Client
	// profCtl is the control file of a wardenprof server ("" without
	// -cpuprofile); pg is the dedicated PostgreSQL schema, if any.
	profCtl string
	pg      *pgSchema
}

func startServer(ctx context.Context, o options) (*server, error) {
	root, err := moduleRoot()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "warden-bench-")
	if err != nil {
		return nil, err
	}
	bin := filepath.Join(dir, "warden")
	// Built as released: pure Go and stripped. With -cpuprofile the same
	// program is built with a profiling hook (bench/cmd/wardenprof).
	pkg := "./cmd/warden"
	if o.cpuProfile != "" {
		pkg = "./bench/cmd/wardenprof"
	}
	build := exec.CommandContext(ctx, "go", "build", "-ldflags=-s -w", "-o", bin, pkg)
	build.Dir = root
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("build warden: %v\n%s", err, out)
	}
	dsn := "sqlite://" + filepath.Join(dir, "bench.sqlite")
	var pg *pgSchema
	if o.db == "postgres" {
		if o.dsn == "" {
			return nil, fmt.Errorf("-db postgres needs -dsn or WARDEN_BENCH_POSTGRES_DSN")
		}
		dsn = o.dsn
		if o.pgSchema != "-" {
			if pg, dsn, err = newPGSchema(ctx, o.dsn, o.pgSchema); err != nil {
				return nil, err
			}
		}
	}
	pub, adm := freePort(), freePort()
	if pub == 0 || adm == 0 {
		return nil, fmt.Errorf("no free loopback port")
	}
	s := &server{
		public: "http://127.0.0.1:" + strconv.Itoa(pub),
		admin:  "http://127.0.0.1:" + strconv.Itoa(adm),
		dir:    dir, keep: o.keepWorkdir, pg: pg,
		client: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
			MaxIdleConns: 256, MaxIdleConnsPerHost: 256, IdleConnTimeout: time.Minute}},
	}
	logFile, err := os.Create(filepath.Join(dir, "warden.log"))
	if err != nil {
		return nil, err
	}
	s.cmd = exec.Command(bin, "serve", "--dev")
	s.cmd.Dir = dir
	s.cmd.Stdout, s.cmd.Stderr = logFile, logFile
	s.cmd.Env = append(os.Environ(),
		"DSN="+dsn,
		"SERVE_PUBLIC_PORT="+strconv.Itoa(pub), "SERVE_ADMIN_PORT="+strconv.Itoa(adm),
		"SERVE_PUBLIC_BASE_URL="+s.public+"/", "SERVE_ADMIN_BASE_URL="+s.admin+"/",
		"HASHERS_BCRYPT_COST="+strconv.Itoa(o.bcryptCost),
	)
	if o.cpuProfile != "" {
		s.profCtl = filepath.Join(dir, "profile.ctl")
		s.cmd.Env = append(s.cmd.Env, "WARDEN_CPUPROFILE_CTL="+s.profCtl)
	}
	if o.db == "sqlite" {
		// Migrate first so start-to-ready is measured on a migrated file,
		// as the baseline is.
		mig := exec.CommandContext(ctx, bin, "migrate", "sql", "--yes", dsn)
		if out, err := mig.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("migrate: %v\n%s", err, out)
		}
	}
	start := time.Now()
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	if err := s.waitReady(ctx); err != nil {
		s.stop()
		return nil, err
	}
	s.startup = time.Since(start)
	return s, nil
}

func (s *server) waitReady(ctx context.Context) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		res, err := s.client.Get(s.admin + "/admin/health/ready")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
	return fmt.Errorf("warden not ready after 30s (logs in %s)", s.dir)
}

func (s *server) stop() {
	if s.cmd.Process != nil {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		_ = s.cmd.Wait()
	}
	if s.pg != nil {
		if err := s.pg.drop(); err != nil {
			fmt.Fprintf(os.Stderr, "bench: drop schema %s: %v\n", s.pg.name, err)
		}
	}
	if !s.keep {
		_ = os.RemoveAll(s.dir)
	}
}

// startProfile asks a wardenprof server to profile its CPU into path and
// waits until it does (it removes the control file once started).
func (s *server) startProfile(path string) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	if err := os.WriteFile(s.profCtl, []byte(abs), 0o600); err != nil {
		return err
	}
	if err := s.cmd.Process.Signal(syscall.SIGUSR1); err != nil {
		return err
	}
	return waitFor(func() bool { _, err := os.Stat(s.profCtl); return os.IsNotExist(err) })
}

// stopProfile ends the profile and waits until it is written (the server
// recreates the control file then).
func (s *server) stopProfile() error {
	if err := s.cmd.Process.Signal(syscall.SIGUSR2); err != nil {
		return err
	}
	return waitFor(func() bool { _, err := os.Stat(s.profCtl); return err == nil })
}

func waitFor(done func() bool) error {
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		if done() {
			return nil
		}
		time.Sleep(time.Millisecond)
	}
	return fmt.Errorf("the server did not answer the profiling signal")
}

// cpuTime is the server's user+system CPU time so far (/proc/<pid>/stat).
func (s *server) cpuTime() time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	// Fields after the command name, which is parenthesised and may hold spaces.
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	const ticksPerSecond = 100 // USER_HZ on Linux
	return time.Duration(utime+stime) * time.Second / ticksPerSecond
}

// rssMiB is the server's resident set size.
func (s *server) rssMiB() float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", fmt.Errorf("run bench from inside the warden module")
	}
	return filepath.Dir(mod), nil
}

func freePort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
