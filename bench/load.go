package main

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
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
	errors        int
	firstErr      error
}

// measure runs op on o.conns workers in a closed loop for o.duration.
func (s *server) measure(ctx context.Context, o options, f op) result {
	// A short warm-up fills connection pools and caches.
	warm, cancel := context.WithTimeout(ctx, o.duration/10)
	runLoop(warm, s.client, o.conns, f)
	cancel()

	cpu0 := s.cpuTime()
	run, cancel := context.WithTimeout(ctx, o.duration)
	defer cancel()
	start := time.Now()
	lat, errs, first := runLoop(run, s.client, o.conns, f)
	elapsed := time.Since(start)
	cpu := s.cpuTime() - cpu0
	r := summarize(lat, elapsed)
	r.errors, r.firstErr = errs, first
	if len(lat) > 0 {
		r.cpuPerOp = cpu / time.Duration(len(lat))
	}
	return r
}

func runLoop(ctx context.Context, c *http.Client, conns int, f op) (lat []time.Duration, errs int, first error) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var local []time.Duration
			var localErrs int
			var localFirst error
			for i := 0; ctx.Err() == nil; i++ {
				t := time.Now()
				err := f(ctx, c, w, i)
				if ctx.Err() != nil {
					break // the deadline cut this iteration short
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
	cpu := "-"
	if r.cpuPerOp > 0 {
		cpu = fmt.Sprintf("%.3fms", float64(r.cpuPerOp.Microseconds())/1000)
	}
	return fmt.Sprintf("%-10s %10.1f %9s %9s %9s %12s %9s", name, r.rate,
		fmtDur(r.p50), fmtDur(r.p90), fmtDur(r.p99), cpu, ratio)
}

func fmtDur(d time.Duration) string {
	return fmt.Sprintf("%.2fms", float64(d.Microseconds())/1000)
}
