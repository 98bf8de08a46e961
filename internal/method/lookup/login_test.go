package lookup

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/warden-id/warden/internal/apierr"
	"github.com/warden-id/warden/internal/flow"
	"github.com/warden-id/warden/internal/flow/login"
	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/session"
	"github.com/warden-id/warden/internal/store"
	"github.com/warden-id/warden/internal/store/storetest"
	"github.com/warden-id/warden/internal/text"
	"github.com/warden-id/warden/internal/ui"
)

func formMessages(t *testing.T, err error) []string {
	t.Helper()
	var fe *flow.FormError
	if !errors.As(err, &fe) {
		t.Fatalf("err = %v (%T), want a *flow.FormError", err, err)
	}
	var out []string
	for _, m := range fe.Messages {
		out = append(out, m.Field+": "+m.Message.Text)
	}
	return out
}

func TestPopulateLogin(t *testing.T) {
	fx := newFixture(t, store.DialectSQLite)
	with := fx.identityWith(t, "with@example.com", fx.hashedConfig(t, "aaaaaaaa"))
	empty := fx.identityWith(t, "empty@example.com", json.RawMessage(`{"recovery_codes":[]}`))
	without := fx.identityWith(t, "without@example.com", nil)
	tests := []struct {
		name string
		aal  session.AAL
		sess *session.Session
		want []string
	}{
		{"aal2 with codes", session.AAL2, sessionOf(with), []string{"lookup_secret", "method"}},
		{"aal2 with an empty list", session.AAL2, sessionOf(empty), nil},
		{"aal2 without codes", session.AAL2, sessionOf(without), nil},
		{"aal1 flow", session.AAL1, sessionOf(with), nil},
		{"no session", session.AAL2, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := aal2Flow(flow.TypeAPI)
			f.RequestedAAL = tt.aal
			if err := fx.m.PopulateLogin(context.Background(), f, tt.sess); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, n := range f.UI.Nodes {
				if n.Group != ui.GroupLookupSecret {
					t.Errorf("node %s in group %s", n.Attributes.ID(), n.Group)
				}
				got = append(got, n.Attributes.ID())
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("nodes (-want +got):\n%s", diff)
			}
			if len(f.UI.Nodes) == 2 {
				in := f.UI.Nodes[0].Attributes.(*ui.InputAttributes)
				if in.Value != "" || !in.Required || f.UI.Nodes[0].Meta.Label.ID != text.IDLoginLookupLabel ||
					f.UI.Nodes[1].Meta.Label.ID != text.IDLoginLookup {
					t.Errorf("nodes = %+v", f.UI.Nodes)
				}
			}
		})
	}
}

func TestLogin(t *testing.T) {
	fx := newFixture(t, store.DialectSQLite)
	i := fx.identityWith(t, "a@example.com", fx.hashedConfig(t, "aaaaaaaa", "bbbbbbbb"))
	none := fx.identityWith(t, "none@example.com", nil)
	ctx := context.Background()
	try := func(who *identity.Identity, body map[string]any) error {
		got, err := fx.m.Login(ctx, aal2Flow(flow.TypeAPI), body, sessionOf(who))
		if err == nil && got.ID != who.ID {
			t.Fatalf("Login returned identity %s, want %s", got.ID, who.ID)
		}
		return err
	}
	steps := []struct {
		name string
		who  *identity.Identity
		body map[string]any
		want []string // nil: success
		bad  bool
	}{
		{"missing", i, map[string]any{"method": "lookup_secret"}, []string{"lookup_secret: Property lookup_secret is missing."}, false},
		{"not a string", i, map[string]any{"lookup_secret": json.Number("12")}, []string{"lookup_secret: expected string, but got number"}, false},
		{"no codes", none, map[string]any{"lookup_secret": "aaaaaaaa"}, []string{": You have no backup recovery codes set up."}, false},
		{"unknown code", i, map[string]any{"lookup_secret": "cccccccc"}, []string{": The backup recovery code is not valid."}, true},
		{"wrong case", i, map[string]any{"lookup_secret": "AAAAAAAA"}, []string{": The backup recovery code is not valid."}, true},
		{"good", i, map[string]any{"lookup_secret": "aaaaaaaa"}, nil, false},
		{"again", i, map[string]any{"lookup_secret": "aaaaaaaa"}, []string{": This backup recovery code has already been used."}, true},
		{"another, with spaces", i, map[string]any{"lookup_secret": " bbbbbbbb "}, nil, false},
		{"that one again", i, map[string]any{"lookup_secret": "bbbbbbbb"}, []string{": This backup recovery code has already been used."}, true},
	}
	for _, st := range steps {
		err := try(st.who, st.body)
		if st.want == nil {
			if err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
			continue
		}
		if diff := cmp.Diff(st.want, formMessages(t, err)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", st.name, diff)
		}
		if errors.Is(err, login.ErrBadCredentials) != st.bad {
			t.Errorf("%s: ErrBadCredentials = %v, want %v", st.name, !st.bad, st.bad)
		}
	}
	c := i.Credentials[identity.CredentialsLookupSecret]
	uses, err := fx.st.LookupSecretUses(ctx, i.ID, c.ID)
	if err != nil || len(uses) != 2 {
		t.Fatalf("uses = %v, %v; want the two spent codes", uses, err)
	}
	for _, at := range uses {
		if at.IsZero() || at.Nanosecond() != 0 {
			t.Errorf("used_at = %v, want a time rounded to the second", at)
		}
	}
}

// TestLoginKratosPlainCodes: codes in Kratos's plain form still work, and
// one Kratos marked used stays used.
func TestLoginKratosPlainCodes(t *testing.T) {
	fx := newFixture(t, store.DialectSQLite)
	used := time.Date(2021, 8, 17, 11, 32, 39, 0, time.UTC).Format(time.RFC3339)
	i := fx.identityWith(t, "k@example.com", json.RawMessage(
		`{"recovery_codes":[{"code":"plain111"},{"code":"plain222","used_at":"`+used+`"}]}`))
	ctx := context.Background()
	if _, err := fx.m.Login(ctx, aal2Flow(flow.TypeAPI), map[string]any{"lookup_secret": "plain111"}, sessionOf(i)); err != nil {
		t.Fatalf("plain code: %v", err)
	}
	for _, code := range []string{"plain111", "plain222"} {
		_, err := fx.m.Login(ctx, aal2Flow(flow.TypeAPI), map[string]any{"lookup_secret": code}, sessionOf(i))
		if diff := cmp.Diff([]string{": This backup recovery code has already been used."}, formMessages(t, err)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", code, diff)
		}
	}
}

// TestLoginSecretRotation: codes hashed under an older secret still work
// after a new one is put first.
func TestLoginSecretRotation(t *testing.T) {
	fx := newFixture(t, store.DialectSQLite)
	i := fx.identityWith(t, "r@example.com", fx.hashedConfig(t, "rotate11"))
	h, err := NewHasher([]string{"the-new-secret-of-thirty-two-by", "a-very-secret-default-secret-32b"})
	if err != nil {
		t.Fatal(err)
	}
	m := New(fx.st, h, Options{})
	if _, err := m.Login(context.Background(), aal2Flow(flow.TypeAPI), map[string]any{"lookup_secret": "rotate11"}, sessionOf(i)); err != nil {
		t.Fatalf("after rotation: %v", err)
	}
	h2, err := NewHasher([]string{"the-new-secret-of-thirty-two-by"})
	if err != nil {
		t.Fatal(err)
	}
	j := fx.identityWith(t, "r2@example.com", fx.hashedConfig(t, "rotate22"))
	_, err = New(fx.st, h2, Options{}).Login(context.Background(), aal2Flow(flow.TypeAPI), map[string]any{"lookup_secret": "rotate22"}, sessionOf(j))
	if err == nil {
		t.Fatal("a code hashed under a secret that was removed still works")
	}
}

func TestLoginNeedsSession(t *testing.T) {
	fx := newFixture(t, store.DialectSQLite)
	_, err := fx.m.Login(context.Background(), aal2Flow(flow.TypeAPI), map[string]any{"lookup_secret": "x"}, nil)
	if e := apierr.As(err); e == nil || e.StatusCode() != http.StatusUnauthorized {
		t.Fatalf("err = %v, want 401", err)
	}
}

// TestLoginParallel: 32 parallel logins with one code on each database:
// exactly one wins, the others get 4000012.
func TestLoginParallel(t *testing.T) {
	for _, d := range storetest.Dialects(t) {
		t.Run("database="+d, func(t *testing.T) {
			fx := newFixture(t, d)
			i := fx.identityWith(t, "p@example.com", fx.hashedConfig(t, "parallel"))
			var (
				wins, used atomic.Int32
				wg         sync.WaitGroup
				start      = make(chan struct{})
			)
			for range 32 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					_, err := fx.m.Login(context.Background(), aal2Flow(flow.TypeAPI), map[string]any{"lookup_secret": "parallel"}, sessionOf(i))
					switch {
					case err == nil:
						wins.Add(1)
					case strings.Contains(err.Error(), "already been used"):
						used.Add(1)
					default:
						t.Errorf("unexpected error: %v", err)
					}
				}()
			}
			close(start)
			wg.Wait()
			if wins.Load() != 1 || used.Load() != 31 {
				t.Fatalf("wins = %d, already used = %d; want 1 and 31", wins.Load(), used.Load())
			}
		})
	}
}

func TestHasherFind(t *testing.T) {
	h, err := NewHasher([]string{"k1"})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := h.NewConfig([]string{"aaaaaaaa", "bbbbbbbb"})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(cfg)
	if strings.Contains(string(b), "aaaaaaaa") {
		t.Fatalf("stored config %s holds a code in plain text", b)
	}
	for code, want := range map[string]int{"aaaaaaaa": 0, "bbbbbbbb": 1, "cccccccc": -1, "": -1} {
		if got := h.find(cfg, code); got != want {
			t.Errorf("find(%q) = %d, want %d", code, got, want)
		}
	}
	other, _ := h.NewConfig([]string{"aaaaaaaa"})
	if other.RecoveryCodes[0].Hash == cfg.RecoveryCodes[0].Hash {
		t.Error("the same code hashes the same under two salts")
	}
	if _, err := NewHasher(nil); err == nil {
		t.Error("NewHasher(nil) succeeded")
	}
}
