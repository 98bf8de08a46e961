package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// op is one iteration of a workload; it returns an error for any answer
// other than the expected one.
type op func(ctx context.Context, c *http.Client, worker, iter int) error

// result of one workload.
type result struct {
	rate          float64 // iterations per second
	p50, p90, p99 time.Duration
	cpuPerOp      time.Duration // server CPU per iteration (0 when not measured)
	clientPerOp   time.Duration // this process's CPU per iteration: the load generator's share of the cores
	// otherCores is the CPU other processes used meanwhile, in cores: a
	// busy machine skews every rate (and the ratios), so runs with a
	// noticeable value here are not comparable.
	otherCores float64
	errors     int
	firstErr   error
}

// sample is what one measured stretch of a workload gave. Samples of the
// same workload add up (-rounds), and a result is made of their sum.
type sample struct {
	lat                   []time.Duration // one per completed iteration
	elapsed               time.Duration
	cpu, self, busy       time.Duration // server, this process, the whole machine
	serverCPU, machineCPU bool          // whether cpu and busy were measured
	errors                int
	firstErr              error
}

func (a *sample) add(b sample) {
	a.lat = append(a.lat, b.lat...)
	a.elapsed += b.elapsed
	a.cpu, a.self, a.busy = a.cpu+b.cpu, a.self+b.self, a.busy+b.busy
	a.serverCPU, a.machineCPU = a.serverCPU || b.serverCPU, a.machineCPU || b.machineCPU
	a.errors += b.errors
	if a.firstErr == nil {
		a.firstErr = b.firstErr
	}
}

// result summarises the samples added so far.
func (a sample) result() result {
	r := summarize(slices.Clone(a.lat), a.elapsed)
	r.errors, r.firstErr = a.errors, a.firstErr
	if a.machineCPU && a.busy > 0 && a.elapsed > 0 {
		r.otherCores = max(0, (a.busy-a.cpu-a.self).Seconds()/a.elapsed.Seconds())
	}
	if n := time.Duration(len(a.lat)); n > 0 && a.serverCPU {
		r.cpuPerOp = a.cpu / n
		r.clientPerOp = a.self / n
	}
	return r
}

// measure runs op on o.conns workers in a closed loop for d.
// With -cpuprofile the server profiles exactly the measured part.
//
// The loop is work-conserving: at the deadline workers stop starting new
// iterations but finish the ones in flight, which count, and the rate is
// over the time until the last one finished. Cancelling in-flight requests
// instead would be wrong for hash-bound workloads: the server cannot stop a
// bcrypt comparison half-way, so a cancelled login (of the warm-up, or cut
// off at the deadline) still burns up to a full hash of server CPU that no
// completed iteration accounts for. With 1.4 s logins and a 5 s window that
// was about 15 % of the window's CPU, charged to the completed logins'
// cpu/op and missing from their rate.
func (s *server) measure(ctx context.Context, o options, d time.Duration, name string, f op) sample {
	// A short warm-up fills connection pools and caches; it too ends only
	// when its last request is answered, so the server is idle at start.
	runLoop(ctx, s.client, o.conns, d/10, f)

	if o.cpuProfile != "" {
		if err := s.startProfile(o.cpuProfile + "." + name + ".pprof"); err != nil {
			return sample{errors: 1, firstErr: err}
		}
		defer func() {
			if err := s.stopProfile(); err != nil {
				fmt.Fprintln(os.Stderr, "bench: stop profile:", err)
			}
		}()
	}

	cpu0, self0, busy0 := s.cpuTime(), selfCPU(), machineBusy()
	start := time.Now()
	lat, errs, first := runLoop(ctx, s.client, o.conns, d, f)
	elapsed := time.Since(start)
	return sample{lat: lat, elapsed: elapsed,
		cpu: s.cpuTime() - cpu0, self: selfCPU() - self0, busy: machineBusy() - busy0,
		serverCPU: true, machineCPU: busy0 > 0, errors: errs, firstErr: first}
}

// runLoop runs f on conns workers until d has passed, then lets every
// worker finish its current iteration (see measure). Only ctx (the
// bench's interrupt) cancels requests.
func runLoop(ctx context.Context, c *http.Client, conns int, d time.Duration, f op) (lat []time.Duration, errs int, first error) {
	deadline := time.Now().Add(d)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var local []time.Duration
			var localErrs int
			var localFirst error
			for i := 0; ctx.Err() == nil && time.Now().Before(deadline); i++ {
				t := time.Now()
				err := f(ctx, c, w, i)
				if ctx.Err() != nil {
					break // interrupted: this iteration did not finish
				}
				if err != nil {
					localErrs++
					if localFirst == nil {
						localFirst = err
					}
					continue
				}
				local = append(local, time.Since(t))
			}
			mu.Lock()
			lat = append(lat, local...)
			errs += localErrs
			if first == nil {
				first = localFirst
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	return lat, errs, first
}

// machineBusy is the CPU time all cores spent running processes so far
// (user, nice, system and steal in /proc/stat; not idle, iowait, or the
// interrupt time of the loopback network both sides share), 0 when
// unknown.
func machineBusy() time.Duration {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line) // cpu user nice system idle iowait irq softirq steal …
	if len(f) < 9 || f[0] != "cpu" {
		return 0
	}
	var busy int64
	for k, v := range f[1:9] {
		n, _ := strconv.ParseInt(v, 10, 64)
		if k != 3 && k != 4 && k != 5 && k != 6 { // idle, iowait, irq, softirq
			busy += n
		}
	}
	const ticksPerSecond = 100 // USER_HZ on Linux
	return time.Duration(busy) * time.Second / ticksPerSecond
}

// selfCPU is this process's user+system CPU time so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func summarize(lat []time.Duration, elapsed time.Duration) result {
	if len(lat) == 0 {
		return result{}
	}
	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	return result{rate: float64(len(lat)) / elapsed.Seconds(), p50: pct(0.50), p90: pct(0.90), p99: pct(0.99)}
}

func (r result) line(name string, ceiling float64) string {
	ratio := "-"
	if ceiling > 0 {
		ratio = fmt.Sprintf("%.1f%%", 100*r.rate/ceiling)
	}
	cpu, client := "-", "-"
	if r.cpuPerOp > 0 {
		cpu = fmt.Sprintf("%.3fms", float64(r.cpuPerOp.Microseconds())/1000)
	}
	if r.clientPerOp > 0 {
		client = fmt.Sprintf("%.3fms", float64(r.clientPerOp.Microseconds())/1000)
	}
	return fmt.Sprintf("%-10s %10.1f %9s %9s %9s %12s %9s %9s %6.2f", name, r.rate,
		fmtDur(r.p50), fmtDur(r.p90), fmtDur(r.p99), cpu, ratio, client, r.otherCores)
}

func fmtDur(d time.Duration) string {
	return fmt.Sprintf("%.2fms", float64(d.Microseconds())/1000)
}
