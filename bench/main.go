// Command bench measures Warden under closed-loop load on this machine.
//
//	go run ./bench                       # SQLite, 8 connections, 1,000 identities
//	go run ./bench -identities 100000    # the scale run
//	go run ./bench -db postgres -dsn postgres://…   # in a fresh schema, dropped afterwards
//	go run ./bench -w login -cpuprofile /tmp/p       # server CPU profile per workload: /tmp/p.login.pprof
//	go run ./bench -w alive,whoami -rounds 10 -d 10s # interleaved: the ratio to report
//
// It builds and starts a real warden process on free loopback ports, seeds
// identities through the admin API (one precomputed bcrypt hash imported for
// all, so seeding does not cost a hash each), signs in sessions through the
// API login flow, then runs each workload for a fixed time and prints
// requests per second, latency percentiles, server CPU per operation, and
// each rate as a ratio of the /health/alive ceiling measured in the same run.
// The load generator runs on the same cores: client/op is its own CPU per
// operation, and "other" the cores other processes used meanwhile; a run
// with a noticeable "other" was disturbed and its rates and ratios do not
// compare. The machine's speed also drifts by tens of percent within a
// minute; -rounds N runs the workloads in turn N times, each for 1/N of
// its duration, and sums each workload's stretches, so a ratio compares
// workloads measured side by side. Report ratios from such a run.
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
	db       string
	dsn      string
	conns    int
	duration time.Duration
	// rounds splits each workload's duration into this many stretches,
	// run in turn with the other workloads' (see run).
	rounds      int
	identities  int
	sessions    int
	workloads   []string
	bcryptCost  int
	keepWorkdir bool
	// pgSchema is the PostgreSQL schema the run creates and drops ("":
	// a random bench_… name; "-": none, use the DSN as given).
	pgSchema string
	// cpuProfile is the prefix of per-workload server CPU profiles ("": none).
	cpuProfile string
}

func main() {
	var o options
	var workloads string
	flag.StringVar(&o.db, "db", "sqlite", "database: sqlite or postgres")
	flag.StringVar(&o.dsn, "dsn", os.Getenv("WARDEN_BENCH_POSTGRES_DSN"), "PostgreSQL DSN (with -db postgres)")
	flag.IntVar(&o.conns, "c", 8, "concurrent connections (closed loop)")
	flag.DurationVar(&o.duration, "d", 5*time.Second, "duration of each workload")
	flag.IntVar(&o.rounds, "rounds", 1, "run the workloads in turn this many times, each for duration/rounds, and report their sums")
	flag.IntVar(&o.identities, "identities", 1000, "identities to seed")
	flag.IntVar(&o.sessions, "sessions", 16, "sessions to sign in for whoami")
	flag.StringVar(&workloads, "w", "alive,whoami,login", "comma-separated workloads: alive, whoami, login, bcrypt")
	flag.IntVar(&o.bcryptCost, "bcrypt-cost", 12, "bcrypt cost the server hashes with")
	flag.BoolVar(&o.keepWorkdir, "keep", false, "keep the server's working directory")
	flag.StringVar(&o.pgSchema, "pg-schema", "", "with -db postgres: schema to create, use (search_path) and drop; default a random bench_… name, - to use the DSN as is")
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "write the server's CPU profile of each workload to PREFIX.<workload>.pprof (builds bench/cmd/wardenprof)")
	flag.Parse()
	o.workloads = strings.Split(workloads, ",")
	if o.rounds < 1 || (o.rounds > 1 && o.cpuProfile != "") {
		fmt.Fprintln(os.Stderr, "bench: -rounds must be at least 1, and 1 with -cpuprofile")
		os.Exit(2)
	}

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

	// Each workload's op, built once (the settings workloads sign in one
	// user per connection first).
	ops := make([]op, len(o.workloads))
	for k, w := range o.workloads {
		switch w {
		case "alive":
			ops[k] = aliveOp(srv)
		case "whoami":
			ops[k] = whoamiOp(srv, tokens)
		case "login":
			ops[k] = loginOp(srv, users)
		case "bcrypt":
		case "settings", "settings-password": // issue 4: bench/settings.go
			st, err := settingsTokens(ctx, srv, o, users)
			if err != nil {
				return fmt.Errorf("%s: %w", w, err)
			}
			ops[k] = settingsOp(srv, users, st)
			if w == "settings-password" {
				ops[k] = settingsPasswordOp(srv, st)
			}
		default:
			return fmt.Errorf("unknown workload %q", w)
		}
	}

	// With -rounds N the list runs N times, each workload for 1/N of its
	// duration, and a workload's figures are the sum of its stretches. The
	// ratio to the ceiling then compares workloads measured side by side
	// all along: on a shared machine whose speed drifts by tens of percent
	// within a minute, two back-to-back 5 s runs compare the drift as much
	// as the workloads.
	fmt.Printf("\n%-10s %10s %9s %9s %9s %12s %9s %9s %6s\n", "workload", "req/s", "p50", "p90", "p99", "cpu/op", "ceiling", "client/op", "other")
	d := o.duration / time.Duration(o.rounds)
	sums := make(map[string]*sample, len(o.workloads))
	for range o.rounds {
		for k, w := range o.workloads {
			var smp sample
			if w == "bcrypt" {
				smp = measureBcrypt(ctx, o, d)
			} else {
				smp = srv.measure(ctx, o, d, w, ops[k])
			}
			if o.rounds == 1 {
				printResult(w, smp.result(), sums)
				if w == "alive" {
					sums[w] = &smp
				}
				continue
			}
			if sums[w] == nil {
				sums[w] = &sample{}
			}
			sums[w].add(smp)
		}
	}
	if o.rounds > 1 {
		printed := map[string]bool{} // a workload listed twice is reported once
		for _, w := range o.workloads {
			if !printed[w] {
				printed[w] = true
				printResult(w, sums[w].result(), sums)
			}
		}
	}
	fmt.Printf("\nRSS after the workloads: %.1f MiB\n", srv.rssMiB())
	return nil
}

// printResult prints one workload's line, its rate as a ratio of the
// alive sample in sums (the last one measured, or the sum of all rounds).
func printResult(name string, r result, sums map[string]*sample) {
	var ceiling float64
	if a := sums["alive"]; a != nil {
		ceiling = a.result().rate
	}
	if name == "alive" {
		ceiling = r.rate
	}
	if r.errors > 0 {
		fmt.Printf("%-10s %d errors, first: %v\n", name, r.errors, r.firstErr)
	}
	fmt.Println(r.line(name, ceiling))
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
