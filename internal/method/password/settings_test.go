package password_test

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/flow"
	"github.com/warden-id/warden/internal/flow/settings"
	"github.com/warden-id/warden/internal/hash"
	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/method/password"
	"github.com/warden-id/warden/internal/store"
	"github.com/warden-id/warden/internal/store/storetest"
	"github.com/warden-id/warden/internal/text"
	"github.com/warden-id/warden/internal/ui"
)

// The password method of the settings flow (settings-flow §5.2).

func settingsFlow(t *testing.T, s *password.Settings, i *identity.Identity) *settings.Flow {
	t.Helper()
	f := &settings.Flow{Base: flow.Base{ID: uuid.New(), Type: flow.TypeAPI, UI: ui.NewContainer("")}}
	f.UI.Nodes = append(f.UI.Nodes, flow.NewCSRFNode())
	if err := s.PopulateSettings(context.Background(), f, i, nil); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestSettingsNodes(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, "../../config/default.schema.json")
		s := password.NewSettings(e.m)
		f := settingsFlow(t, s, &identity.Identity{})
		b, err := json.Marshal(f.UI.Nodes[1:])
		if err != nil {
			t.Fatal(err)
		}
		want := `[{"type":"input","group":"password","attributes":{"name":"password","type":"password","required":true,"disabled":false,"node_type":"input"},"messages":[],"meta":{"label":{"id":1070001,"text":"Password","type":"info"}}},` +
			`{"type":"input","group":"password","attributes":{"name":"method","type":"submit","value":"password","disabled":false,"node_type":"input"},"messages":[],"meta":{"label":{"id":1070003,"text":"Save","type":"info"}}}]`
		if string(b) != want {
			t.Errorf("nodes\n got %s\nwant %s", b, want)
		}
	})
}

func TestSettingsChecks(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, "../../config/default.schema.json")
		s := password.NewSettings(e.m)
		i := e.register(t, "settings-pw@example.org", "an old password 42")
		public := i.Public()
		csrfErr := errors.New("csrf")
		tests := []struct {
			name       string
			body       map[string]any
			privileged bool
			check      error
			wantField  map[string][]int
			wantErr    error
			wantPriv   bool
			checked    bool
		}{
			{name: "missing password", body: map[string]any{"method": "password"}, privileged: true,
				wantField: map[string][]int{"password": {text.IDValidationRequired}}},
			{name: "empty password", body: map[string]any{"password": ""}, privileged: true,
				wantField: map[string][]int{"password": {text.IDValidationRequired}}},
			{name: "not a string", body: map[string]any{"password": 5.0}, privileged: true,
				wantField: map[string][]int{"password": {text.IDValidationGeneric}}},
			{name: "the body is checked before CSRF", body: map[string]any{}, check: csrfErr,
				wantField: map[string][]int{"password": {text.IDValidationRequired}}},
			{name: "CSRF before the privilege", body: map[string]any{"password": "a new password 42"}, check: csrfErr,
				wantErr: csrfErr, checked: true},
			{name: "unprivileged", body: map[string]any{"password": "a new password 42"}, wantPriv: true, checked: true},
			{name: "too short", body: map[string]any{"password": "1234567"}, privileged: true, checked: true,
				wantField: map[string][]int{"password": {text.IDPasswordPolicy}}},
			{name: "like the identifier", body: map[string]any{"password": "settings-pw@example.org"}, privileged: true, checked: true,
				wantField: map[string][]int{"password": {text.IDPasswordPolicy}}},
			{name: "over bcrypt's limit", body: map[string]any{"password": strings.Repeat("long password ", 10)}, privileged: true, checked: true,
				wantField: map[string][]int{"password": {text.IDPasswordPolicy}}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				checked := false
				f := settingsFlow(t, s, &public)
				f.UI.SetValue("password", "leaked?")
				_, err := s.Settings(context.Background(), &settings.Submission{Flow: f, Identity: &public, Body: tt.body,
					Privileged: tt.privileged, Check: func() error { checked = true; return tt.check }})
				if v := f.UI.Find("password").Attributes.(*ui.InputAttributes).Value; v != nil {
					t.Errorf("password node value %v", v)
				}
				if checked != tt.checked {
					t.Errorf("CSRF checked = %v, want %v", checked, tt.checked)
				}
				var pe *settings.PrivilegeError
				switch {
				case tt.wantField != nil:
					if got := formMessages(t, err); !maps.EqualFunc(got, tt.wantField, slices.Equal) {
						t.Errorf("messages %v, want %v", got, tt.wantField)
					}
				case tt.wantPriv:
					if !errors.As(err, &pe) || pe.PauseAPI {
						t.Errorf("err %v, want a PrivilegeError that pauses browser flows only", err)
					}
				case !errors.Is(err, tt.wantErr):
					t.Errorf("err %v, want %v", err, tt.wantErr)
				}
			})
		}
	})
}

func TestSettingsNewHash(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, "../../config/default.schema.json")
		s := password.NewSettings(e.m)
		i := e.register(t, "new-hash@example.org", "an old password 42")
		public := i.Public()
		up, err := s.Settings(context.Background(), &settings.Submission{Flow: settingsFlow(t, s, &public), Identity: &public,
			Body: map[string]any{"password": "a new password 42"}, Privileged: true, Check: func() error { return nil }})
		if err != nil {
			t.Fatal(err)
		}
		// A new password changes a factor (after.password.revoke_other_sessions) and proves none.
		if !up.FactorChanged || up.Completed != nil {
			t.Errorf("factor changed %v, completed %+v", up.FactorChanged, up.Completed)
		}
		stored, err := st.FindIdentityByID(context.Background(), i.ID, true)
		if err != nil {
			t.Fatal(err)
		}
		totp := identity.Credentials{Type: identity.CredentialsTOTP, Identifiers: []string{i.ID.String()}, Config: json.RawMessage(`{"totp_url":"otpauth://x"}`)}
		stored.Credentials[identity.CredentialsTOTP] = totp
		next, err := up.Apply(stored.Credentials)
		if err != nil {
			t.Fatal(err)
		}
		// Traits and addresses stay as stored; other credentials are kept.
		if next.Traits != nil || next.VerifiableAddresses != nil || !slices.Equal(next.Credentials[identity.CredentialsTOTP].Config, totp.Config) {
			t.Errorf("next %+v", next)
		}
		pc := next.Credentials[identity.CredentialsPassword]
		var cfg identity.PasswordConfig
		if err := json.Unmarshal(pc.Config, &cfg); err != nil {
			t.Fatal(err)
		}
		if err := hash.Compare(context.Background(), []byte("a new password 42"), []byte(cfg.HashedPassword)); err != nil {
			t.Errorf("the new hash does not verify: %v", err)
		}
		if !slices.Equal(pc.Identifiers, []string{"new-hash@example.org"}) {
			t.Errorf("identifiers %v", pc.Identifiers)
		}
		// Without a password credential, one is created for the identifier.
		delete(stored.Credentials, identity.CredentialsPassword)
		next, err = up.Apply(stored.Credentials)
		if err != nil || !slices.Equal(next.Credentials[identity.CredentialsPassword].Identifiers, []string{"new-hash@example.org"}) {
			t.Errorf("created credential: %v %+v", err, next.Credentials[identity.CredentialsPassword])
		}
	})
}
