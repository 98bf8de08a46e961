package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Listener is one server to run: its address and handler.
type Listener struct {
	Name    string // "public" or "admin", for logs and errors
	Addr    string // host:port
	Handler http.Handler
}

// Bound is a listener whose socket is open.
type Bound struct {
	Listener
	ln net.Listener
}

// Addr is the actual address (port 0 resolved).
func (b Bound) Addr() net.Addr { return b.ln.Addr() }

// Bind opens every socket first, so a port in use fails startup before
// anything serves.
func Bind(ls ...Listener) ([]Bound, error) {
	var out []Bound
	for _, l := range ls {
		ln, err := net.Listen("tcp", l.Addr)
		if err != nil {
			for _, b := range out {
				_ = b.ln.Close()
			}
			return nil, fmt.Errorf("serve.%s: listen on %s: %w", l.Name, l.Addr, err)
		}
		out = append(out, Bound{Listener: l, ln: ln})
	}
	return out, nil
}

// Serve runs the bound servers until ctx is done, then shuts them down
// gracefully: listeners close at once, in-flight requests get up to grace
// to finish.
func Serve(ctx context.Context, log *slog.Logger, grace time.Duration, bs []Bound) error {
	servers := make([]*http.Server, len(bs))
	errc := make(chan error, len(bs))
	for i, b := range bs {
		srv := &http.Server{
			Handler:           b.Handler,
			ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout:       30 * time.Second,
			WriteTimeout:      60 * time.Second,
			IdleTimeout:       120 * time.Second,
			MaxHeaderBytes:    64 << 10,
			ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		}
		servers[i] = srv
		go func(b Bound) {
			if err := srv.Serve(b.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errc <- fmt.Errorf("serve.%s: %w", b.Name, err)
				return
			}
			errc <- nil
		}(b)
	}

	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-errc:
	}
	log.Info("shutting down", "grace", grace.String())
	shutCtx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	for _, srv := range servers {
		if err := srv.Shutdown(shutCtx); err != nil && runErr == nil {
			runErr = fmt.Errorf("graceful shutdown: %w", err)
		}
	}
	return runErr
}
