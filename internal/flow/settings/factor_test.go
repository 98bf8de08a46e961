package settings

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/warden-id/warden/internal/hook"
	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/session"
)

// secondFactor is a TOTP credential identity.AvailableAAL counts.
func secondFactor(t *testing.T, owner string) identity.Credentials {
	t.Helper()
	cfg, err := json.Marshal(map[string]string{"totp_url": "otpauth://totp/x:y?secret=JBSWY3DPEHPK3PXP"})
	if err != nil {
		t.Fatal(err)
	}
	return identity.Credentials{Type: identity.CredentialsTOTP, Identifiers: []string{owner}, Config: cfg}
}

// editing is a Settings func that edits the stored credentials and
// returns update's explicit results.
func editing(edit func(map[identity.CredentialsType]identity.Credentials), results Update) func(*Submission) (*Update, error) {
	return func(s *Submission) (*Update, error) {
		if err := s.Check(); err != nil {
			return nil, err
		}
		cur := s.Identity
		up := results
		up.Traits = cur.Traits
		up.Apply = func(stored map[identity.CredentialsType]identity.Credentials) (*identity.Identity, error) {
			next := *cur
			next.Credentials = map[identity.CredentialsType]identity.Credentials{}
			for k, v := range stored {
				next.Credentials[k] = v
			}
			edit(next.Credentials)
			return &next, nil
		}
		return &up, nil
	}
}

// TestUpdateResults: Completed joins the session's AMR before the
// post-persist hooks run; FactorChanged revokes the other sessions exactly
// when the method's switch is on; the submission carries the session.
func TestUpdateResults(t *testing.T) {
	for _, tc := range []struct {
		name        string
		up          Update
		revokeOn    bool
		wantAdded   int
		wantRevoked int
	}{
		{"nothing", Update{}, true, 0, 0},
		{"factor proved and changed", Update{Completed: &session.AuthenticationMethod{Method: identity.CredentialsTOTP, AAL: session.AAL2},
			FactorChanged: true}, true, 1, 1},
		{"factor changed, switch off", Update{FactorChanged: true}, false, 0, 0},
		{"factor changed, switch on", Update{FactorChanged: true}, true, 0, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			post := &fakeHook{}
			hs := newHarness(t, harnessOptions{opts: func(o *Options) {
				o.AfterHooks = []hook.Hook{post}
				o.RevokeOtherSessionsAfter = map[string]bool{"profile": tc.revokeOn}
			}})
			var seen *session.Session
			inner := editing(func(map[identity.CredentialsType]identity.Credentials) {}, tc.up)
			hs.method.settings = func(s *Submission) (*Update, error) {
				seen = s.Session
				return inner(s)
			}
			hs.sessions.byToken["user"].AMR = []session.AuthenticationMethod{{Method: identity.CredentialsPassword, AAL: session.AAL1}}
			aalAtHook := session.AAL("")
			post.run = func() { aalAtHook = hs.sessions.byToken["user"].AAL }
			f := hs.initAPI("user")
			w := serve(hs.h.Submit, request("POST", submitTarget+f.ID.String(), "user", `{"method":"profile"}`))
			if w.Code != 200 {
				t.Fatalf("%d %s", w.Code, w.Body)
			}
			if seen == nil || seen.Token != "user" {
				t.Errorf("the submission's session is %+v", seen)
			}
			if len(hs.sessions.added) != tc.wantAdded || hs.sessions.revoked != tc.wantRevoked {
				t.Errorf("added %v, revoked %d", hs.sessions.added, hs.sessions.revoked)
			}
			if tc.wantAdded == 1 {
				a := hs.sessions.added[0]
				if a.Method != identity.CredentialsTOTP || a.AAL != session.AAL2 || !a.CompletedAt.Equal(hs.now) {
					t.Errorf("AMR entry %+v", a)
				}
				if aalAtHook != session.AAL2 {
					t.Errorf("the post-persist hook saw a session at %q", aalAtHook)
				}
			}
		})
	}
}

// TestLastSecondFactor: an aal1 session may not take away the last second
// factor of an identity with aal2 available, whatever the method: 403
// session_aal2_required and nothing stored. Another factor left, or an
// aal2 session, may.
func TestLastSecondFactor(t *testing.T) {
	remove := editing(func(c map[identity.CredentialsType]identity.Credentials) {
		delete(c, identity.CredentialsTOTP)
	}, Update{FactorChanged: true})
	for _, tc := range []struct {
		name     string
		aal      session.AAL
		lookup   bool // the identity has backup codes too
		wantCode int
	}{
		{"aal1 removes the last factor", session.AAL1, false, 403},
		{"aal1 removes one of two", session.AAL1, true, 200},
		{"aal2 removes the last factor", session.AAL2, false, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hs := newHarness(t, harnessOptions{opts: func(o *Options) { o.RequiredAAL = session.RequireAAL1 }})
			hs.method.settings = remove
			hs.sessions.byToken["user"].AAL = tc.aal
			creds := map[identity.CredentialsType]identity.Credentials{identity.CredentialsTOTP: secondFactor(t, hs.user.ID.String())}
			if tc.lookup {
				creds[identity.CredentialsLookupSecret] = identity.Credentials{Type: identity.CredentialsLookupSecret,
					Config: json.RawMessage(`{"recovery_codes":[{"code":"a"}]}`)}
			}
			hs.store.creds[hs.user.ID] = creds
			f := hs.initAPI("user")
			w := serve(hs.h.Submit, request("POST", submitTarget+f.ID.String(), "user", `{"method":"profile"}`))
			if w.Code != tc.wantCode {
				t.Fatalf("%d %s", w.Code, w.Body)
			}
			_, kept := hs.store.creds[hs.user.ID][identity.CredentialsTOTP]
			if tc.wantCode == 403 {
				e := decode(t, w)["error"].(map[string]any)
				if e["id"] != "session_aal2_required" || hs.store.commits != 0 || !kept || hs.sessions.revoked != 0 {
					t.Errorf("refusal %s: commits %d, kept %v, revoked %d", w.Body, hs.store.commits, kept, hs.sessions.revoked)
				}
				return
			}
			if kept || hs.store.commits != 1 {
				t.Errorf("removal not stored: kept %v, commits %d", kept, hs.store.commits)
			}
		})
	}
}

// TestNextFlowSeesTheUpdatedCredentials: a CredentialsReader populates a
// new flow with the stored credentials, and the flow that follows a
// success with the credentials as the update leaves them.
func TestNextFlowSeesTheUpdatedCredentials(t *testing.T) {
	hs := newHarness(t, harnessOptions{})
	reader := &fakeMethod{name: "totp", readsCreds: true}
	h, err := NewHandler(hs.store, hs.sessions, []Method{hs.method, reader}, hs.rs, hs.h.o)
	if err != nil {
		t.Fatal(err)
	}
	hs.h = h
	hs.store.creds[hs.user.ID] = map[identity.CredentialsType]identity.Credentials{identity.CredentialsPassword: {Type: identity.CredentialsPassword}}
	hs.method.settings = editing(func(c map[identity.CredentialsType]identity.Credentials) {
		c[identity.CredentialsTOTP] = secondFactor(t, hs.user.ID.String())
	}, Update{})
	f := hs.initAPI("user")
	w := serve(hs.h.Submit, request("POST", submitTarget+f.ID.String(), "user", `{"method":"profile"}`))
	if w.Code != 200 {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	want := [][]identity.CredentialsType{{identity.CredentialsPassword}, {identity.CredentialsPassword, identity.CredentialsTOTP}}
	if !slices.EqualFunc(reader.populated, want, slices.Equal) {
		t.Errorf("populated with %v, want %v", reader.populated, want)
	}
	if got, err := hs.store.GetSettingsFlow(context.Background(), f.ID); err != nil || got.State != StateSuccess {
		t.Fatalf("submitted flow: %v %v", got, err)
	}
}
