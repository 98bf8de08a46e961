// Command startup measures what issue 2 asks to report about the binary:
//
//   - its size, stripped (go build -ldflags="-s -w");
//   - start-to-ready on an already migrated SQLite file: from just before the
//     process is started until GET /admin/health/ready answers 200, median
//     of -runs runs;
//   - idle RSS after start: VmRSS from /proc/<pid>/status, read -idle after
//     ready with no request in between (median over the runs), with its
//     anonymous and file-backed parts.
//
// Run it from the repository root:
//
//	go run ./bench/cmd/startup
//
// It serves the compat configuration (test/e2e/testdata/compat) unchanged
// except for the DSN and the two ports, as `serve -c kratos.yml --dev`.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	runs := flag.Int("runs", 10, "number of starts to measure")
	idle := flag.Duration("idle", time.Second, "how long after ready to read VmRSS")
	compat := flag.String("compat", "test/e2e/testdata/compat", "folder holding kratos.yml and identity.schema.json")
	flag.Parse()
	if err := run(*runs, *idle, *compat); err != nil {
		fmt.Fprintln(os.Stderr, "startup:", err)
		os.Exit(1)
	}
}

func run(runs int, idle time.Duration, compat string) error {
	dir, err := os.MkdirTemp("", "warden-startup-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	bin := filepath.Join(dir, "warden")
	build := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", bin, "./cmd/warden")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("go build: %w", err)
	}
	st, err := os.Stat(bin)
	if err != nil {
		return err
	}

	for _, f := range []string{"kratos.yml", "identity.schema.json"} {
		b, err := os.ReadFile(filepath.Join(compat, f))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o600); err != nil {
			return err
		}
	}
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"),
		"DSN=sqlite://" + filepath.Join(dir, "bench.sqlite") + "?_fk=true"}
	migrate := exec.Command(bin, "migrate", "sql", "-e", "--yes", "-c", "kratos.yml")
	migrate.Dir, migrate.Env = dir, env
	if out, err := migrate.CombinedOutput(); err != nil {
		return fmt.Errorf("migrate: %w\n%s", err, out)
	}

	var ready []time.Duration
	var rss, anon, file []int64
	for i := range runs {
		d, kib, err := startOnce(bin, dir, env, idle)
		if err != nil {
			return fmt.Errorf("run %d: %w", i+1, err)
		}
		ready = append(ready, d)
		rss, anon, file = append(rss, kib[0]), append(anon, kib[1]), append(file, kib[2])
	}
	for _, xs := range [][]int64{rss, anon, file} {
		slices.Sort(xs)
	}
	slices.Sort(ready)

	fmt.Printf("binary size, stripped (-ldflags=\"-s -w\"): %.1f MiB (%d bytes)\n", float64(st.Size())/(1<<20), st.Size())
	fmt.Printf("start-to-ready, migrated SQLite, median of %d: %.1f ms (min %.1f, max %.1f)\n",
		runs, ms(median(ready)), ms(ready[0]), ms(ready[len(ready)-1]))
	fmt.Printf("idle RSS %v after ready (VmRSS), median of %d: %.1f MiB (min %.1f, max %.1f)\n",
		idle, runs, mib(median(rss)), mib(rss[0]), mib(rss[len(rss)-1]))
	fmt.Printf("  of which anonymous (RssAnon) %.1f MiB, file-backed (RssFile: the mapped binary) %.1f MiB\n",
		mib(median(anon)), mib(median(file)))
	return nil
}

// startOnce starts warden, times it until ready, reads its RSS after idle,
// and stops it with SIGTERM (a non-zero exit is an error).
func startOnce(bin, dir string, env []string, idle time.Duration) (time.Duration, [3]int64, error) {
	pub, adm, err := freePorts()
	if err != nil {
		return 0, [3]int64{}, err
	}
	cmd := exec.Command(bin, "serve", "-c", "kratos.yml", "--dev")
	cmd.Dir = dir
	cmd.Env = append(env, "SERVE_PUBLIC_PORT="+strconv.Itoa(pub), "SERVE_ADMIN_PORT="+strconv.Itoa(adm))
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	readyURL := fmt.Sprintf("http://127.0.0.1:%d/admin/health/ready", adm)
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}

	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, [3]int64{}, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var took time.Duration
	for {
		if time.Since(start) > 30*time.Second {
			_ = cmd.Process.Kill()
			return 0, [3]int64{}, errors.New("not ready within 30s")
		}
		select {
		case err := <-done:
			return 0, [3]int64{}, fmt.Errorf("exited before ready: %v", err)
		default:
		}
		res, err := client.Get(readyURL)
		if err == nil {
			_, _ = io.Copy(io.Discard, res.Body)
			_ = res.Body.Close()
			if res.StatusCode == http.StatusOK {
				took = time.Since(start)
				break
			}
		}
		time.Sleep(500 * time.Microsecond)
	}

	time.Sleep(idle)
	kib, err := memory(cmd.Process.Pid)
	if err != nil {
		_ = cmd.Process.Kill()
		return 0, kib, err
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return 0, [3]int64{}, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	select {
	case err := <-done:
		if err != nil {
			return 0, [3]int64{}, fmt.Errorf("exit after SIGTERM: %w", err)
		}
	case <-ctx.Done():
		_ = cmd.Process.Kill()
		return 0, [3]int64{}, errors.New("no exit within 20s of SIGTERM")
	}
	return took, kib, nil
}

// memory reads VmRSS and its split into anonymous (heap, stacks: private
// to the process) and file-backed pages (the mapped binary, shared page
// cache), in KiB, from /proc/<pid>/status.
func memory(pid int) (rss [3]int64, err error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return rss, err
	}
	defer f.Close()
	found := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		for i, key := range []string{"VmRSS:", "RssAnon:", "RssFile:"} {
			rest, ok := strings.CutPrefix(sc.Text(), key)
			if !ok {
				continue
			}
			fields := strings.Fields(rest) // "12345 kB"
			if len(fields) != 2 || fields[1] != "kB" {
				return rss, fmt.Errorf("unexpected line %q", sc.Text())
			}
			if rss[i], err = strconv.ParseInt(fields[0], 10, 64); err != nil {
				return rss, err
			}
			found++
		}
	}
	if err := sc.Err(); err != nil {
		return rss, err
	}
	if found != 3 {
		return rss, errors.New("VmRSS, RssAnon or RssFile missing in /proc/<pid>/status")
	}
	return rss, nil
}

func freePorts() (int, int, error) {
	var ports [2]int
	for i := range ports {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, 0, err
		}
		ports[i] = l.Addr().(*net.TCPAddr).Port
		if err := l.Close(); err != nil {
			return 0, 0, err
		}
	}
	return ports[0], ports[1], nil
}

func median[T int64 | time.Duration](xs []T) T {
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
func mib(kib int64) float64      { return float64(kib) / 1024 }
