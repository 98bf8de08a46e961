package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"golang.org/x/crypto/bcrypt"
)

func aliveOp(s *server) op {
	return func(ctx context.Context, c *http.Client, _, _ int) error {
		return expect(ctx, c, http.MethodGet, s.public+"/health/alive", nil, nil, http.StatusOK, nil)
	}
}

func whoamiOp(s *server, tokens []string) op {
	// The headers are built once: the generator's own work competes with
	// the server for the same cores.
	hs := make([]http.Header, len(tokens))
	for k, t := range tokens {
		hs[k] = http.Header{"X-Session-Token": {t}}
	}
	return func(ctx context.Context, c *http.Client, w, i int) error {
		return expect(ctx, c, http.MethodGet, s.public+"/sessions/whoami", hs[(w+i)%len(hs)], nil, http.StatusOK, nil)
	}
}

// loginOp is one API login: init the flow, submit the password.
func loginOp(s *server, users []user) op {
	return func(ctx context.Context, c *http.Client, w, i int) error {
		u := users[(w*7919+i)%len(users)]
		_, err := apiLogin(ctx, c, s, u)
		return err
	}
}

func apiLogin(ctx context.Context, c *http.Client, s *server, u user) (string, error) {
	var flow struct {
		UI struct {
			Action string `json:"action"`
		} `json:"ui"`
	}
	if err := expect(ctx, c, http.MethodGet, s.public+"/self-service/login/api", nil, nil, http.StatusOK, &flow); err != nil {
		return "", err
	}
	body := map[string]string{"method": "password", "identifier": u.email, "password": u.password}
	var res struct {
		SessionToken string `json:"session_token"`
	}
	if err := expect(ctx, c, http.MethodPost, flow.UI.Action, jsonHeader, body, http.StatusOK, &res); err != nil {
		return "", err
	}
	return res.SessionToken, nil
}

var jsonHeader = http.Header{"Content-Type": {"application/json"}, "Accept": {"application/json"}}

// measureBcrypt is the raw bcrypt compare rate on this machine's cores, the
// upper bound for a password login. It is measured as the server
// workloads are (runLoop: o.conns workers, in-flight work finishes and
// counts), so the two rates compare like for like.
func measureBcrypt(ctx context.Context, o options, d time.Duration) sample {
	hash, err := bcrypt.GenerateFromPassword([]byte("bench-password-1"), o.bcryptCost)
	if err != nil {
		return sample{errors: 1, firstErr: err}
	}
	compare := func(context.Context, *http.Client, int, int) error {
		return bcrypt.CompareHashAndPassword(hash, []byte("bench-password-1"))
	}
	start := time.Now()
	lat, errs, first := runLoop(ctx, nil, o.conns, d, compare)
	return sample{lat: lat, elapsed: time.Since(start), errors: errs, firstErr: first}
}

// expect sends one request and checks the status; out, when set, receives
// the JSON body.
func expect(ctx context.Context, c *http.Client, method, url string, h http.Header, body any, want int, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return err
	}
	for k, v := range h {
		req.Header[k] = v
	}
	res, err := c.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode == want && out == nil {
		// Drained through io.Discard's pooled buffer: io.ReadAll would
		// allocate and zero a buffer per answer, client work that grows
		// with the answer's size (3–5 µs per whoami) and competes with the
		// server for the same cores.
		_, err := io.Copy(io.Discard, res.Body)
		return err
	}
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode != want {
		return fmt.Errorf("%s %s: status %d, want %d: %.300s", method, url, res.StatusCode, want, b)
	}
	return json.Unmarshal(b, out)
}
