package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
)

// The settings workloads (issue 4 item 9). Each connection signs in its own
// user first, as each person edits their own settings:
//
//   - settings: one iteration is an API settings flow init and a profile
//     submit that changes a trait (name.first), as a profile edit does;
//   - settings-password: an init and a password change, hashed at the
//     server's bcrypt cost.
//
// The password policy's haveibeenpwned check calls the network; run with
// SELFSERVICE_METHODS_PASSWORD_CONFIG_HAVEIBEENPWNED_ENABLED=false to
// measure Warden rather than the network (the server inherits the
// environment).

// settingsFlowAPI is the part of a settings flow the workloads read.
type settingsFlowAPI struct {
	UI struct {
		Action string `json:"action"`
	} `json:"ui"`
}

// settingsTokens signs in one user per connection.
func settingsTokens(ctx context.Context, s *server, o options, users []user) ([]string, error) {
	if len(users) < o.conns {
		return nil, fmt.Errorf("settings workloads need at least %d identities (one per connection), have %d", o.conns, len(users))
	}
	if os.Getenv("SELFSERVICE_METHODS_PASSWORD_CONFIG_HAVEIBEENPWNED_ENABLED") != "false" {
		fmt.Fprintln(os.Stderr, "bench: note: haveibeenpwned is enabled; settings-password measures its network calls too")
	}
	return signIn(ctx, s, users[len(users)-o.conns:])
}

// settingsOp is one profile edit: init + submit of a changed trait.
func settingsOp(s *server, users []user, tokens []string) op {
	return func(ctx context.Context, c *http.Client, w, i int) error {
		h := http.Header{"X-Session-Token": {tokens[w%len(tokens)]}, "Content-Type": {"application/json"}}
		var f settingsFlowAPI
		if err := expect(ctx, c, http.MethodGet, s.public+"/self-service/settings/api", h, nil, http.StatusOK, &f); err != nil {
			return err
		}
		u := users[len(users)-len(tokens)+w%len(tokens)]
		body := map[string]any{"method": "profile", "traits": map[string]any{"email": u.email,
			"name": map[string]any{"first": fmt.Sprintf("first-%d", i), "last": "bench"}}}
		return expect(ctx, c, http.MethodPost, f.UI.Action, h, body, http.StatusOK, nil)
	}
}

// settingsPasswordOp is one password change: init + submit.
func settingsPasswordOp(s *server, tokens []string) op {
	return func(ctx context.Context, c *http.Client, w, i int) error {
		h := http.Header{"X-Session-Token": {tokens[w%len(tokens)]}, "Content-Type": {"application/json"}}
		var f settingsFlowAPI
		if err := expect(ctx, c, http.MethodGet, s.public+"/self-service/settings/api", h, nil, http.StatusOK, &f); err != nil {
			return err
		}
		body := map[string]any{"method": "password", "password": fmt.Sprintf("a fresh bench password %d/%d", w, i%4)}
		return expect(ctx, c, http.MethodPost, f.UI.Action, h, body, http.StatusOK, nil)
	}
}
