// Command bench measures Warden under closed-loop load on this machine.
//
//	go run ./bench                       # SQLite, 8 connections, 1,000 identities
//	go run ./bench -identities 100000    # the scale run
//	go run ./bench -db postgres -dsn postgres://…
//
// It builds and starts a real warden process on free loopback ports, seeds
// identities through the admin API (one precomputed bcrypt hash imported for
// all, so seeding does not cost a hash each), signs in sessions through the
// API login flow, then runs each workload for a fixed time and prints
// requests per second, latency percentiles, server CPU per operation, and
// each rate as a ratio of the /health/alive ceiling measured in the same run.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"time"
)

type options struct {
	db          string
	dsn         string
	conns       int
	duration    time.Duration
	identities  int
	sessions    int
	workloads   []string
	bcryptCost  int
	keepWorkdir bool
}

func main() {
	var o options
	var workloads string
	flag.StringVar(&o.db, "db", "sqlite", "database: sqlite or postgres")
	flag.StringVar(&o.dsn, "dsn", os.Getenv("WARDEN_BENCH_POSTGRES_DSN"), "PostgreSQL DSN (with -db postgres)")
	flag.IntVar(&o.conns, "c", 8, "concurrent connections (closed loop)")
	flag.DurationVar(&o.duration, "d", 5*time.Second, "duration of each workload")
	flag.IntVar(&o.identities, "identities", 1000, "identities to seed")
	flag.IntVar(&o.sessions, "sessions", 16, "sessions to sign in for whoami")
	flag.StringVar(&workloads, "w", "alive,whoami,login", "comma-separated workloads: alive, whoami, login, bcrypt")
	flag.IntVar(&o.bcryptCost, "bcrypt-cost", 12, "bcrypt cost the server hashes with")
	flag.BoolVar(&o.keepWorkdir, "keep", false, "keep the server's working directory")
	flag.Parse()
	o.workloads = strings.Split(workloads, ",")

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) error {
	srv, err := startServer(ctx, o)
	if err != nil {
		return err
	}
	defer srv.stop()

	fmt.Printf("warden bench: db=%s conns=%d duration=%s identities=%d bcrypt_cost=%d\n",
		o.db, o.conns, o.duration, o.identities, o.bcryptCost)
	fmt.Printf("start to ready: %s, idle RSS: %.1f MiB\n", srv.startup.Round(time.Millisecond), srv.rssMiB())

	seedStart := time.Now()
	users, err := seedIdentities(ctx, srv, o.identities, o.bcryptCost)
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	fmt.Printf("seeded %d identities in %s\n", o.identities, time.Since(seedStart).Round(time.Millisecond))

	var tokens []string
	if contains(o.workloads, "whoami") {
		if tokens, err = signIn(ctx, srv, users[:min(o.sessions, len(users))]); err != nil {
			return fmt.Errorf("sign in: %w", err)
		}
	}

	var ceiling float64
	fmt.Printf("\n%-10s %10s %9s %9s %9s %12s %9s\n", "workload", "req/s", "p50", "p90", "p99", "cpu/op", "ceiling")
	for _, w := range o.workloads {
		var r result
		switch w {
		case "alive":
			r = srv.measure(ctx, o, aliveOp(srv))
			ceiling = r.rate
		case "whoami":
			r = srv.measure(ctx, o, whoamiOp(srv, tokens))
		case "login":
			r = srv.measure(ctx, o, loginOp(srv, users))
		case "bcrypt":
			r = measureBcrypt(ctx, o)
		default:
			return fmt.Errorf("unknown workload %q", w)
		}
		if r.errors > 0 {
			fmt.Printf("%-10s %d errors, first: %v\n", w, r.errors, r.firstErr)
		}
		fmt.Println(r.line(w, ceiling))
	}
	fmt.Printf("\nRSS after the workloads: %.1f MiB\n", srv.rssMiB())
	return nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
