// Command wardenprof is cmd/warden with an on-demand CPU profile, for
// `go run ./bench -cpuprofile PREFIX`. The released binary carries no
// profiling hook; the bench builds this one instead only when asked.
//
// SIGUSR1 starts a CPU profile into the file whose path is written in the
// control file named by WARDEN_CPUPROFILE_CTL (so the bench can name one
// profile per workload) and removes the control file; SIGUSR2 stops the
// profile and then writes "done" into the control file. The bench waits
// for these two acknowledgements. Everything else is cmd/warden.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"syscall"

	"github.com/warden-id/warden/internal/cli"
)

func main() {
	go profileOnSignal(os.Getenv("WARDEN_CPUPROFILE_CTL"))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := cli.Run(ctx, os.Args[1:], cli.Env{
		Getenv:  os.Getenv,
		Environ: os.Environ(),
		Stdin:   os.Stdin,
		Stdout:  os.Stdout,
		Stderr:  os.Stderr,
	})
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "warden: %v\n", err)
		os.Exit(1)
	}
}

// profileOnSignal serves SIGUSR1 (start a profile into the path written in
// ctl) and SIGUSR2 (stop it). Errors go to stderr: profiling is a
// diagnostic and must not stop the server.
func profileOnSignal(ctl string) {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGUSR1, syscall.SIGUSR2)
	var out *os.File
	for s := range sig {
		switch {
		case s == syscall.SIGUSR1 && out == nil:
			b, err := os.ReadFile(ctl)
			if err != nil {
				fmt.Fprintln(os.Stderr, "wardenprof:", err)
				continue
			}
			f, err := os.Create(strings.TrimSpace(string(b)))
			if err != nil {
				fmt.Fprintln(os.Stderr, "wardenprof:", err)
				continue
			}
			if err := pprof.StartCPUProfile(f); err != nil {
				fmt.Fprintln(os.Stderr, "wardenprof:", err)
				_ = f.Close()
				continue
			}
			out = f
			if err := os.Remove(ctl); err != nil {
				fmt.Fprintln(os.Stderr, "wardenprof:", err)
			}
		case s == syscall.SIGUSR2 && out != nil:
			pprof.StopCPUProfile()
			if err := out.Close(); err != nil {
				fmt.Fprintln(os.Stderr, "wardenprof:", err)
			}
			out = nil
			if err := os.WriteFile(ctl, []byte("done"), 0o600); err != nil {
				fmt.Fprintln(os.Stderr, "wardenprof:", err)
			}
		}
	}
}
