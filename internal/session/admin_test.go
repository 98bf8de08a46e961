package session_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

// TestAdminIdentitySessions is foundation §3.7 and §13 items 64–65.
func TestAdminIdentitySessions(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, envOptions{})
	i := e.createIdentity(identityOptions{})
	a, b := e.login(i), e.login(i)
	if err := e.m.Revoke(ctx, b); err != nil {
		t.Fatal(err)
	}
	base := "/admin/identities/" + i.ID.String() + "/sessions"
	list := func(query string) []map[string]any {
		t.Helper()
		w := e.do(e.admin, request{target: base + query})
		wantCode(t, w, http.StatusOK)
		return decode[[]map[string]any](t, w)
	}

	all := list("")
	if len(all) != 2 {
		t.Fatalf("list = %d sessions, want 2", len(all))
	}
	ident := all[0]["identity"].(map[string]any)
	if ident["id"] != i.ID.String() || ident["schema_url"] == nil {
		t.Errorf("identity = %v", ident)
	}
	if _, ok := ident["credentials"]; ok {
		t.Error("admin session list shows credentials")
	}
	if act := list("?active=true"); len(act) != 1 || act[0]["id"] != a.ID.String() {
		t.Errorf("active=true = %v", act)
	}
	if inact := list("?active=false"); len(inact) != 1 || inact[0]["id"] != b.ID.String() {
		t.Errorf("active=false = %v", inact)
	}
	if none := list("?active=1&per_page=1&page=2"); len(none) != 0 {
		t.Errorf("page past the end = %v", none)
	}

	w := e.do(e.admin, request{target: "/admin/identities/" + uuid.NewString() + "/sessions"})
	wantCode(t, w, http.StatusOK)
	if strings.TrimSpace(w.Body.String()) != "[]" {
		t.Errorf("unknown identity: %s, want []", w.Body.String())
	}

	for _, rq := range []request{
		{target: "/admin/identities/BADUUID/sessions"},
		{method: "DELETE", target: "/admin/identities/BADUUID/sessions"},
	} {
		w := e.do(e.admin, rq)
		wantCode(t, w, http.StatusBadRequest)
		if body := decode[map[string]map[string]any](t, w); body["error"]["debug"] != "could not parse UUID" {
			t.Errorf("%s %s: %s", rq.method, rq.target, w.Body.String())
		}
	}
	w = e.do(e.admin, request{target: base + "?active=maybe"})
	wantCode(t, w, http.StatusBadRequest)
	wantJSONBody(t, w, `{"error":{"code":400,"status":"Bad Request","message":"could not parse parameter active"}}`)

	wantCode(t, e.do(e.admin, request{method: "DELETE", target: base}), http.StatusNoContent)
	if got := list(""); len(got) != 0 {
		t.Errorf("after DELETE: %d sessions, want none (hard delete)", len(got))
	}
	wantCode(t, e.do(e.public, request{target: "/sessions/whoami", token: a.Token}), http.StatusUnauthorized)
	w = e.do(e.admin, request{method: "DELETE", target: base})
	wantCode(t, w, http.StatusNotFound)
	wantCode(t, e.do(e.admin, request{method: "DELETE", target: "/admin/identities/" + uuid.NewString() + "/sessions"}), http.StatusNotFound)
}

// TestAdminExtend is foundation §3.5 and §13 item 68.
func TestAdminExtend(t *testing.T) {
	t.Run("default window always extends", func(t *testing.T) {
		e := newEnv(t, envOptions{})
		s := e.login(e.createIdentity(identityOptions{}))
		e.clock.Add(time.Hour)
		w := e.do(e.admin, request{method: "PATCH", target: "/admin/sessions/" + s.ID.String() + "/extend"})
		wantCode(t, w, http.StatusOK)
		body := decode[map[string]any](t, w)
		want := e.clock.Now().UTC().Truncate(time.Microsecond).Add(24 * time.Hour)
		if got, _ := time.Parse(time.RFC3339Nano, body["expires_at"].(string)); !got.Equal(want) {
			t.Errorf("expires_at = %v, want %v", body["expires_at"], want)
		}
		if body["identity"] == nil {
			t.Error("extend answer has no identity")
		}
		found, err := e.store.FindSessionByID(context.Background(), s.ID, false)
		if err != nil || !found.ExpiresAt.Equal(want) {
			t.Errorf("stored expires_at = %v, %v", found, err)
		}
	})
	t.Run("outside the window nothing changes", func(t *testing.T) {
		e := newEnv(t, envOptions{earliestPossibleExtend: time.Hour})
		s := e.login(e.createIdentity(identityOptions{}))
		w := e.do(e.admin, request{method: "PATCH", target: "/admin/sessions/" + s.ID.String() + "/extend"})
		wantCode(t, w, http.StatusOK)
		if got, _ := time.Parse(time.RFC3339Nano, decode[map[string]any](t, w)["expires_at"].(string)); !got.Equal(s.ExpiresAt) {
			t.Errorf("expires_at moved to %v (was %v) although 24h remain of a 1h window", got, s.ExpiresAt)
		}
		e.clock.Add(23*time.Hour + time.Minute) // inside the last hour now
		w = e.do(e.admin, request{method: "PATCH", target: "/admin/sessions/" + s.ID.String() + "/extend"})
		if got, _ := time.Parse(time.RFC3339Nano, decode[map[string]any](t, w)["expires_at"].(string)); !got.After(s.ExpiresAt) {
			t.Errorf("expires_at = %v, want extended", got)
		}
	})
	t.Run("inactive and errors", func(t *testing.T) {
		e := newEnv(t, envOptions{})
		s := e.login(e.createIdentity(identityOptions{}))
		if err := e.m.Revoke(context.Background(), s); err != nil {
			t.Fatal(err)
		}
		wantCode(t, e.do(e.admin, request{method: "PATCH", target: "/admin/sessions/" + s.ID.String() + "/extend"}), http.StatusOK)
		w := e.do(e.admin, request{method: "PATCH", target: "/admin/sessions/BADUUID/extend"})
		wantCode(t, w, http.StatusBadRequest)
		w = e.do(e.admin, request{method: "PATCH", target: "/admin/sessions/" + uuid.NewString() + "/extend"})
		wantCode(t, w, http.StatusNotFound)
		wantJSONBody(t, w, `{"error":{"code":404,"status":"Not Found","message":"Unable to locate the resource"}}`)
	})
}

// TestAdminSessionsV1 covers v1's additive admin endpoints (D1).
func TestAdminSessionsV1(t *testing.T) {
	e := newEnv(t, envOptions{})
	i := e.createIdentity(identityOptions{})
	var ids []string
	for range 5 {
		ids = append(ids, e.login(i).ID.String())
		time.Sleep(2 * time.Millisecond)
	}

	t.Run("list pages", func(t *testing.T) {
		seen := map[string]bool{}
		target := "/admin/sessions?page_size=2&expand=identity"
		for pages := 0; target != ""; pages++ {
			if pages > 4 {
				t.Fatal("pagination does not end")
			}
			w := e.do(e.admin, request{target: target})
			wantCode(t, w, http.StatusOK)
			for _, s := range decode[[]map[string]any](t, w) {
				seen[s["id"].(string)] = true
				if s["identity"] == nil {
					t.Error("expand=identity without identity")
				}
			}
			target = nextLink(w.Header().Get("Link"))
		}
		if len(seen) != 5 || !containsAll(keys(seen), ids...) {
			t.Errorf("listed %v, want all 5", seen)
		}
	})
	t.Run("list without expand", func(t *testing.T) {
		w := e.do(e.admin, request{target: "/admin/sessions"})
		list := decode[[]map[string]any](t, w)
		if len(list) != 5 || list[0]["identity"] != nil || list[0]["id"] != ids[4] {
			t.Errorf("list = %v, want 5 newest first without identity", list)
		}
	})
	t.Run("list errors", func(t *testing.T) {
		for _, q := range []string{"?page_size=0", "?page_token=!!", "?active=perhaps", "?expand=everything"} {
			wantCode(t, e.do(e.admin, request{target: "/admin/sessions" + q}), http.StatusBadRequest)
		}
	})
	t.Run("get", func(t *testing.T) {
		w := e.do(e.admin, request{target: "/admin/sessions/" + ids[0] + "?expand=identity"})
		wantCode(t, w, http.StatusOK)
		body := decode[map[string]any](t, w)
		ident, _ := body["identity"].(map[string]any)
		if body["id"] != ids[0] || ident == nil || ident["metadata_admin"] == nil {
			t.Errorf("get = %v (admin view keeps metadata_admin)", body)
		}
		wantCode(t, e.do(e.admin, request{target: "/admin/sessions/" + uuid.NewString()}), http.StatusNotFound)
		wantCode(t, e.do(e.admin, request{target: "/admin/sessions/nope"}), http.StatusBadRequest)
	})
	t.Run("delete deactivates", func(t *testing.T) {
		wantCode(t, e.do(e.admin, request{method: "DELETE", target: "/admin/sessions/" + ids[1]}), http.StatusNoContent)
		w := e.do(e.admin, request{target: "/admin/sessions/" + ids[1]})
		if decode[map[string]any](t, w)["active"] != false {
			t.Errorf("after DELETE: %s", w.Body.String())
		}
		wantCode(t, e.do(e.admin, request{method: "DELETE", target: "/admin/sessions/" + uuid.NewString()}), http.StatusNotFound)
		w = e.do(e.admin, request{method: "PUT", target: "/admin/sessions/" + ids[1]})
		wantCode(t, w, http.StatusMethodNotAllowed)
	})
}

// nextLink extracts the rel="next" target of a Link header.
func nextLink(h string) string {
	for _, part := range strings.Split(h, ",") {
		if strings.Contains(part, `rel="next"`) {
			start, end := strings.Index(part, "<"), strings.Index(part, ">")
			return part[start+1 : end]
		}
	}
	return ""
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
