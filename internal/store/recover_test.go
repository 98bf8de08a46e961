package store_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/warden-id/warden/internal/apierr"
	"github.com/warden-id/warden/internal/store"
	"github.com/warden-id/warden/internal/store/storetest"
)

// tcpProxy forwards connections to a database and can be cut and restored,
// to play an outage without stopping the shared server.
type tcpProxy struct {
	t        *testing.T
	upstream string
	addr     string // fixed after the first start, so the DSN stays valid

	mu    sync.Mutex
	ln    net.Listener
	conns []net.Conn
}

func (p *tcpProxy) start() {
	p.t.Helper()
	addr := p.addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		p.t.Fatalf("proxy listen: %v", err)
	}
	p.mu.Lock()
	p.ln, p.addr = ln, ln.Addr().String()
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return // listener closed by stop
			}
			up, err := net.Dial("tcp", p.upstream)
			if err != nil {
				_ = c.Close() // the client sees the refused upstream as a closed socket
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			go pipe(c, up)
			go pipe(up, c)
		}
	}()
}

// pipe copies until either side closes; errors end the copy, which is the
// point of an outage.
func pipe(dst, src net.Conn) {
	_, _ = io.Copy(dst, src)
	_ = dst.Close()
}

func (p *tcpProxy) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	var errs []error
	errs = append(errs, p.ln.Close())
	for _, c := range p.conns {
		if err := c.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			errs = append(errs, err)
		}
	}
	p.conns = nil
	if err := errors.Join(errs...); err != nil {
		p.t.Errorf("proxy stop: %v", err)
	}
}

// TestPostgresRecovers: while the database is unreachable calls answer 503
// and Ready blames the database; once it is back the same store serves again
// without a restart.
func TestPostgresRecovers(t *testing.T) {
	if !slices.Contains(storetest.Dialects(t), store.DialectPostgres) {
		t.Skip("needs " + storetest.EnvPostgresDSN)
	}
	ctx := context.Background()
	u, err := url.Parse(storetest.NewDSN(t, store.DialectPostgres))
	if err != nil {
		t.Fatal(err)
	}
	p := &tcpProxy{t: t, upstream: u.Host}
	p.start()
	u.Host = p.addr
	s := storetest.OpenDSN(t, u.String())
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	i := mustCreate(t, s, person{email: "outage@example.org"}.identity())

	p.stop()
	_, err = s.FindIdentityByID(ctx, i.ID, false)
	wantStatus(t, err, http.StatusServiceUnavailable)
	wantStatus(t, s.CreateIdentity(ctx, person{email: "during@example.org"}.identity()), http.StatusServiceUnavailable)
	var nr *store.NotReadyError
	if err := s.Ready(ctx); !errors.As(err, &nr) || nr.Check != "database" {
		t.Errorf("Ready during outage = %v, want a database NotReadyError", err)
	}

	p.start()
	defer p.stop()
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, err = s.FindIdentityByID(ctx, i.ID, false)
		if err == nil || time.Now().After(deadline) {
			break
		}
		if !apierr.Is(err, http.StatusServiceUnavailable) {
			t.Fatalf("after the outage: status %d: %v", apierr.StatusOf(err), err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("store did not recover: %v", err)
	}
	if err := s.Ready(ctx); err != nil {
		t.Errorf("Ready after the outage: %v", err)
	}
	mustCreate(t, s, person{email: "after@example.org"}.identity())
}
