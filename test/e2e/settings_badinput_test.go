package e2e

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
)

// Bad input to the settings flow: always the spec's answer (a flow with
// messages, or the envelope), never a 5xx; and concurrent updates of one
// identity that never tear.

func TestSettingsBadInput(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dialect string) {
		s := Start(t, ServerOptions{Dialect: dialect})
		m := newSettingsMember(t, s, "bad@example.org")
		api := settingsAPI(t, s, m.token)
		submit := s.PublicURL + "/self-service/settings?flow=" + toString(api["id"])
		b := newBrowser(t)
		b.signIn(s, m.email, "")
		bid, bf := b.startFlow(s, "settings", "")

		t.Run("malformed bodies", func(t *testing.T) {
			for i, body := range brokenJSON {
				for name, r := range map[string]reply{
					"api": call(t, "POST", submit, body, "X-Session-Token", m.token),
					"spa": b.do("POST", s.PublicURL+"/self-service/settings?flow="+bid, strings.NewReader(body),
						"Content-Type", "application/json", "Accept", "application/json"),
				} {
					if r.Status != 400 || !bytes.Contains(r.Body, []byte(`"ui"`)) {
						t.Errorf("%s body %d (%q): %d %s", name, i, body, r.Status, r.Body)
					}
				}
			}
			for _, ct := range []string{"text/plain", "application/xml", ";;"} {
				if r := call(t, "POST", submit, "method=profile", "X-Session-Token", m.token, "Content-Type", ct); r.Status != 400 {
					t.Errorf("%s: %d %s", ct, r.Status, r.Body)
				}
			}
			if r := call(t, "POST", submit, nil, "X-Session-Token", m.token); r.Status != 400 || !bytes.Contains(r.Body, []byte("Content-Length")) {
				t.Errorf("empty body: %d %s", r.Status, r.Body)
			}
		})
		t.Run("traits of the wrong type", func(t *testing.T) {
			for _, tc := range []struct {
				traits any
				node   string
				msg    string
			}{
				{"a string", "traits", "expected object, but got string"},
				{5, "traits", "expected object, but got number"},
				{[]any{1, 2}, "traits", "expected object, but got array"},
				{map[string]any{"email": 5}, "traits.email", "expected string, but got number"},
				{map[string]any{"email": []any{"a@example.org"}}, "traits.email", "expected string, but got array"},
				{map[string]any{"email": m.email, "name": "x"}, "traits.name", "expected object, but got string"},
				{map[string]any{"email": m.email, "unknown": true}, "traits", "additionalProperties"},
			} {
				r := submitAPI(t, s, api, m.token, map[string]any{"method": "profile", "traits": tc.traits})
				if r.Status != 400 {
					t.Errorf("%v: %d %s", tc.traits, r.Status, r.Body)
					continue
				}
				if msgs := nodeMessageTexts(t, r.object(t), tc.node); len(msgs) == 0 || !strings.Contains(strings.Join(msgs, "|"), tc.msg) {
					t.Errorf("%v: messages on %s: %v", tc.traits, tc.node, msgs)
				}
			}
			// A password that is not a string.
			r := submitAPI(t, s, api, m.token, map[string]any{"method": "password", "password": map[string]any{"a": 1}})
			if r.Status != 400 || len(nodeMessageTexts(t, r.object(t), "password")) != 1 {
				t.Errorf("password object: %d %s", r.Status, r.Body)
			}
		})
		t.Run("1 MB strings", func(t *testing.T) {
			big := strings.Repeat("x", 1_000_000)
			r := submitAPI(t, s, api, m.token, map[string]any{"method": "profile", "traits": map[string]any{"email": big + "@example.org"}})
			if msgs := nodeMessageTexts(t, r.object(t), "traits.email"); r.Status != 400 || len(msgs) == 0 {
				t.Errorf("email: %d %.300s", r.Status, r.Body)
			}
			r = submitAPI(t, s, api, m.token, map[string]any{"method": "password", "password": big})
			if r.Status >= 500 || r.Status == 200 {
				t.Errorf("password: %d %.300s", r.Status, r.Body)
			}
			r = submitAPI(t, s, api, m.token, map[string]any{"method": "profile", "traits": map[string]any{"email": m.email, "name": map[string]any{"first": big}}})
			if r.Status >= 500 {
				t.Errorf("name: %d %.300s", r.Status, r.Body)
			}
			r = submitAPI(t, s, api, m.token, map[string]any{"method": "profile", "traits": map[string]any{"email": m.email, "name": map[string]any{"first": big + big}}})
			if r.Status != http.StatusRequestEntityTooLarge {
				t.Errorf("2 MB: %d %.300s", r.Status, r.Body)
			}
		})
		t.Run("unknown methods", func(t *testing.T) {
			for _, body := range []map[string]any{{"method": "nope"}, {}, {"method": 5}, {"traits": map[string]any{"email": m.email}}} {
				r := submitAPI(t, s, settingsAPI(t, s, m.token), m.token, body)
				if ids := flowMessageIDs(t, r.object(t)); r.Status != 400 || !slices.Equal(ids, []string{"4010004"}) {
					t.Errorf("%v: %d %v", body, r.Status, ids)
				}
			}
			// Kratos's other strategies are known: 404 when not enabled.
			submitAPI(t, s, settingsAPI(t, s, m.token), m.token, map[string]any{"link": "google"}).
				wantError(t, 404, "disabled by system administrator")
			// webauthn answers browser flows only (§5.0): 4010004 for API flows.
			body := map[string]any{"method": "webauthn", "webauthn_remove": "abc"}
			if ids := flowMessageIDs(t, submitAPI(t, s, settingsAPI(t, s, m.token), m.token, body).object(t)); !slices.Equal(ids, []string{"4010004"}) {
				t.Errorf("webauthn on an API flow: %v", ids)
			}
			body["csrf_token"] = csrfOf(t, bf)
			// webauthn (issue 5) is enabled by the compat config: browser flows answer it.
			if r := b.postJSON(s.PublicURL+"/self-service/settings?flow="+bid, body); r.Status != 400 ||
				flowFirstMessage(r.object(t)) != "You tried to remove a WebAuthn but you have no WebAuthn set up." {
				t.Errorf("webauthn on a browser flow: %d %s", r.Status, r.Body)
			}
			// A browser: back to the UI with the message.
			r := b.postForm(s.PublicURL+"/self-service/settings?flow="+bid, url.Values{"method": {"nope"}, "csrf_token": {csrfOf(t, bf)}})
			if settingsFlowID(r.Header.Get("Location")) != bid {
				t.Errorf("browser: %d %q", r.Status, r.Header.Get("Location"))
			}
		})
		t.Run("flow ids that are not UUIDs", func(t *testing.T) {
			for _, id := range []string{"", "garbage", "%00", "' OR 1=1 --", strings.Repeat("a", 5000)} {
				q := url.QueryEscape(id)
				call(t, "POST", s.PublicURL+"/self-service/settings?flow="+q, map[string]any{"method": "profile"}, "X-Session-Token", m.token).
					wantError(t, 400, "The flow query parameter is missing or malformed.")
				fetchSettings(t, s, q, m.token).wantError(t, 404, "")
				r := b.postForm(s.PublicURL+"/self-service/settings?flow="+q, url.Values{"method": {"profile"}})
				if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), uiBase+"/error?id=") {
					t.Errorf("browser %q: %d %q", id, r.Status, r.Header.Get("Location"))
				}
			}
		})
		t.Run("flows of another type", func(t *testing.T) {
			login := call(t, "GET", s.PublicURL+"/self-service/login/api?refresh=true", nil, "X-Session-Token", m.token).object(t)
			lid := toString(login["id"])
			call(t, "POST", s.PublicURL+"/self-service/settings?flow="+lid, map[string]any{"method": "profile"}, "X-Session-Token", m.token).
				wantError(t, 404, "The settings request could not be found. Please restart the flow.")
			fetchSettings(t, s, lid, m.token).wantError(t, 404, "")
			call(t, "POST", s.PublicURL+"/self-service/login?flow="+toString(api["id"]), map[string]any{"method": "password"}).wantError(t, 404, "")
		})
	})
}

// TestSettingsConcurrentUpdates: 32 settings submits on one identity at
// once (28 profile changes, 4 password changes). Every one is answered
// without a 5xx; the final traits are one of the submitted versions, the
// identifiers and addresses match them, and the password hash survived the
// profile changes (no lost or torn write).
func TestSettingsConcurrentUpdates(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dialect string) {
		s := Start(t, ServerOptions{Dialect: dialect})
		m := newSettingsMember(t, s, "racer@example.org")
		const n = 32
		var wg sync.WaitGroup
		start := make(chan struct{})
		results := make([]reply, n)
		submitted := map[string]bool{}
		for k := range n {
			email := fmt.Sprintf("racer%02d@example.org", k)
			submitted[email] = true
			f := settingsAPI(t, s, m.token)
			body := map[string]any{"method": "profile", "traits": map[string]any{"email": email, "name": map[string]any{"first": email}}}
			if k%8 == 7 {
				body = map[string]any{"method": "password", "password": fmt.Sprintf("concurrent password %02d", k)}
			}
			wg.Go(func() {
				<-start
				results[k] = submitAPI(t, s, f, m.token, body)
			})
		}
		close(start)
		wg.Wait()
		for k, r := range results {
			if r.Status != 200 {
				t.Errorf("submit %d: %d %.300s", k, r.Status, r.Body)
			}
		}
		traits := adminTraits(t, s, m.id)
		email, _ := traits["email"].(string)
		first, _ := traits["name"].(map[string]any)["first"].(string)
		if !submitted[email] || first != email {
			t.Fatalf("final traits %v are not one submitted version", traits)
		}
		if ids := storedIdentifiers(t, s, m.id); !slices.Equal(ids, []string{email}) {
			t.Errorf("identifiers %v, traits email %q", ids, email)
		}
		i, _, err := s.Admin().IdentityAPI.GetIdentity(t.Context(), m.id).Execute()
		must(t, err)
		if len(i.VerifiableAddresses) != 1 || i.VerifiableAddresses[0].Value != email || len(i.RecoveryAddresses) != 1 ||
			i.RecoveryAddresses[0].Value != email {
			t.Errorf("addresses %+v %+v", i.VerifiableAddresses, i.RecoveryAddresses)
		}
		if h := storedHash(t, s, m.id); !strings.HasPrefix(h, "$2a$") || h == "" {
			t.Errorf("hash %q", h)
		}
		// One of the new passwords works, for the final identifier.
		ok := false
		for k := 7; k < n; k += 8 {
			if _, _, err := tryLoginAPI(s, email, fmt.Sprintf("concurrent password %02d", k)); err == nil {
				ok = true
			}
		}
		if !ok {
			t.Error("no submitted password signs in")
		}
		if logs := s.Logs(); strings.Contains(logs, "database is locked") || strings.Contains(logs, `"status":500`) {
			t.Errorf("logs:\n%s", logs)
		}
	})
}
