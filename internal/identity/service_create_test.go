package identity

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
)

func TestCreateErrors(t *testing.T) {
	env := newServiceEnv(t, envOpts{})
	long := strings.Repeat("x", 73)
	tests := []struct {
		name   string
		p      CreateParams
		status int
		reason string
	}{
		{"unknown schema", CreateParams{SchemaID: "does-not-exist", Traits: json.RawMessage(`{}`)}, 400, "Unable to find JSON Schema ID: does-not-exist"},
		{"bad state", CreateParams{State: "paused", Traits: json.RawMessage(`{}`)}, 400, "identity state is not valid"},
		{"invalid traits", CreateParams{Traits: json.RawMessage(`{"bar":123}`)}, 400,
			"I[#/traits/bar] S[#/properties/traits/properties/bar/type] expected string, but got number"},
		{"missing traits", CreateParams{}, 400, "I[#/traits] S[#/properties/traits/type] expected object, but got null"},
		{"traits not an object", CreateParams{Traits: json.RawMessage(`"x"`)}, 400, "I[#/traits] S[#/properties/traits/type] expected object, but got string"},
		{"unknown hash", CreateParams{Traits: json.RawMessage(`{}`), Credentials: &CredentialsImport{Password: &PasswordImport{Config: PasswordImportConfig{HashedPassword: "$md5$x"}}}}, 400,
			"The imported password does not match any known hash format. For more information see https://www.ory.sh/dr/2"},
		{"empty password config", CreateParams{Traits: json.RawMessage(`{}`), Credentials: &CredentialsImport{Password: &PasswordImport{}}}, 400,
			"The imported password does not match any known hash format. For more information see https://www.ory.sh/dr/2"},
		{"password over 72 bytes", CreateParams{Traits: json.RawMessage(`{}`), Credentials: &CredentialsImport{Password: &PasswordImport{Config: PasswordImportConfig{Password: long}}}}, 400,
			"The password can not be used because passwords are limited to a maximum length of 72 characters."},
		{"oidc without subject", CreateParams{Traits: json.RawMessage(`{}`), Credentials: &CredentialsImport{OIDC: &OIDCImport{Config: OIDCImportConfig{Providers: []OIDCImportProvider{{Provider: "google"}}}}}}, 400, ""},
		{"metadata not JSON", CreateParams{Traits: json.RawMessage(`{}`), MetadataPublic: json.RawMessage(`{`)}, 400, ""},
		{"state is checked before the schema", CreateParams{SchemaID: "nope", State: "x"}, 400, "identity state is not valid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := env.svc.Create(context.Background(), tt.p)
			wantAPIError(t, err, tt.status, tt.reason)
		})
	}
}

func TestCreateDefaults(t *testing.T) {
	env := newServiceEnv(t, envOpts{})
	i := env.mustCreate(t, CreateParams{Traits: json.RawMessage(`{"bar":"baz"}`)})
	if i.ID == uuid.Nil {
		t.Error("no id")
	}
	if i.SchemaID != "default" || i.SchemaURL != "https://id.example/schemas/ZGVmYXVsdA" || i.State != StateActive {
		t.Errorf("schema_id %q, schema_url %q, state %q", i.SchemaID, i.SchemaURL, i.State)
	}
	if i.StateChangedAt == nil || i.StateChangedAt.IsZero() {
		t.Error("state_changed_at not set")
	}
	if len(i.Credentials) != 0 {
		t.Errorf("credentials = %v, want none for a schema without identifiers", i.Credentials)
	}
	b, err := json.Marshal(i.WithoutCredentialConfig())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), `"credentials"`) {
		t.Errorf("credentials key present: %s", b)
	}
	stored, err := env.store.FindIdentityByID(context.Background(), i.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	if string(stored.Traits) != `{"bar":"baz"}` {
		t.Errorf("stored traits = %s", stored.Traits)
	}
	emp := env.mustCreate(t, CreateParams{SchemaID: "employee", Traits: json.RawMessage(`{"email":"e@x.org"}`)})
	if !strings.HasSuffix(emp.SchemaURL, "/schemas/ZW1wbG95ZWU") {
		t.Errorf("schema_url = %s", emp.SchemaURL)
	}
}

func TestCreateMetadataRoundTrip(t *testing.T) {
	env := newServiceEnv(t, envOpts{})
	for _, md := range []string{
		`{"a":{"b":[1,2.50,"x"]},"big":123456789012345678901234567890.5}`,
		`[1,"two",null,true]`, `"just a string"`, `42`, `12345678901234567890`, `null`, `{"html":"<b>&amp;</b>","u":"\u00e9é"}`,
	} {
		i := env.mustCreate(t, CreateParams{Traits: json.RawMessage(`{}`), MetadataPublic: json.RawMessage(md), MetadataAdmin: json.RawMessage(md)})
		got, err := env.store.FindIdentityByID(context.Background(), i.ID, false)
		if err != nil {
			t.Fatal(err)
		}
		if string(got.MetadataPublic) != md || string(got.MetadataAdmin) != md {
			t.Errorf("metadata %s came back as %s / %s", md, got.MetadataPublic, got.MetadataAdmin)
		}
	}
	i := env.mustCreate(t, CreateParams{Traits: json.RawMessage(`{}`)})
	if i.MetadataPublic != nil || i.MetadataAdmin != nil {
		t.Errorf("absent metadata stored as %s / %s", i.MetadataPublic, i.MetadataAdmin)
	}
}

func TestCreateDerivesCredentialsAndAddresses(t *testing.T) {
	env := newServiceEnv(t, envOpts{})
	i := env.mustCreate(t, CreateParams{
		SchemaID: "compat",
		Traits:   json.RawMessage(`{"email":"Jane@Example.com","name":{"first":"Jane"}}`),
		VerifiableAddresses: []VerifiableAddress{
			{Value: "JANE@example.com", Via: ViaEmail, Verified: true},  // matches the trait: kept, verified
			{Value: "other@example.com", Via: ViaEmail, Verified: true}, // not in the traits: dropped
		},
	})
	for _, ct := range []CredentialsType{CredentialsPassword, CredentialsWebAuthn} {
		c, ok := i.Credentials[ct]
		if !ok {
			t.Fatalf("no %s credential", ct)
		}
		if diff := cmp.Diff([]string{"jane@example.com"}, c.Identifiers); diff != "" {
			t.Errorf("%s identifiers (-want +got):\n%s", ct, diff)
		}
		if string(c.Config) != "{}" {
			t.Errorf("%s config = %s, want {}", ct, c.Config)
		}
	}
	if len(i.VerifiableAddresses) != 1 {
		t.Fatalf("verifiable addresses = %+v", i.VerifiableAddresses)
	}
	va := i.VerifiableAddresses[0]
	if va.Value != "jane@example.com" || !va.Verified || va.Status != AddressStatusCompleted || va.ID == uuid.Nil {
		t.Errorf("verifiable address = %+v", va)
	}
	if len(i.RecoveryAddresses) != 1 || i.RecoveryAddresses[0].Value != "jane@example.com" || i.RecoveryAddresses[0].Via != ViaEmail {
		t.Errorf("recovery addresses = %+v", i.RecoveryAddresses)
	}

	// The same identifier in another case is a conflict (the store's
	// unique index sees the normalised value).
	_, err := env.svc.Create(context.Background(), CreateParams{SchemaID: "compat", Traits: json.RawMessage(`{"email":"JANE@example.com"}`)})
	wantAPIError(t, err, 409, "")
}

func TestCreateImportsCredentials(t *testing.T) {
	env := newServiceEnv(t, envOpts{})
	traits := json.RawMessage(`{"email":"import@example.com"}`)
	hashes := map[string]string{
		"pbkdf2":   "$pbkdf2-sha256$i=100000,l=32$1jP+5Zxpxgtee/iPxGgOz0RfE9/KJuDElP1ley4VxXc$QJxzfvdbHYBpydCbHoFg3GJEqMFULwskiuqiJctoYpI",
		"bcrypt":   "$2a$10$ZsCsoVQ3xfBG/K2z2XpBf.tm90GZmtOqtqWcB5.pYd5Eq8y7RlDyq",
		"argon2i":  "$argon2i$v=19$m=65536,t=3,p=4$kk51rW/vxIVCYn+EG4kTSg$NyT88uraJ6im6dyha/M5jhXvpqlEdlS/9fEm7ScMb8c",
		"argon2id": "$argon2id$v=19$m=16,t=2,p=1$bVI1aE1SaTV6SGQ1WEdxaQ$i9rFkLMxNKBKnV5Bfq2QNg",
	}
	for name, h := range hashes {
		t.Run(name, func(t *testing.T) {
			env := newServiceEnv(t, envOpts{})
			i := env.mustCreate(t, CreateParams{SchemaID: "employee", Traits: traits,
				Credentials: &CredentialsImport{Password: &PasswordImport{Config: PasswordImportConfig{HashedPassword: h}}}})
			var cfg PasswordConfig
			if err := json.Unmarshal(i.Credentials[CredentialsPassword].Config, &cfg); err != nil {
				t.Fatal(err)
			}
			if cfg.HashedPassword != h {
				t.Errorf("stored hash %q, want verbatim %q", cfg.HashedPassword, h)
			}
			if diff := cmp.Diff([]string{"import@example.com"}, i.Credentials[CredentialsPassword].Identifiers); diff != "" {
				t.Errorf("identifiers (-want +got):\n%s", diff)
			}
		})
	}

	i := env.mustCreate(t, CreateParams{SchemaID: "employee", Traits: traits, Credentials: &CredentialsImport{
		Password: &PasswordImport{Config: PasswordImportConfig{Password: "123456", HashedPassword: "ignored"}},
		OIDC: &OIDCImport{Config: OIDCImportConfig{Providers: []OIDCImportProvider{
			{Provider: "google", Subject: "import-2"}, {Provider: "github", Subject: "import-2"}, {Provider: "google", Subject: "import-2"},
		}}},
	}})
	var pw PasswordConfig
	if err := json.Unmarshal(i.Credentials[CredentialsPassword].Config, &pw); err != nil {
		t.Fatal(err)
	}
	if pw.HashedPassword != fakeHash("123456") {
		t.Errorf("cleartext not hashed with the hasher: %q", pw.HashedPassword)
	}
	oidc := i.Credentials[CredentialsOIDC]
	if diff := cmp.Diff([]string{"google:import-2", "github:import-2"}, oidc.Identifiers); diff != "" {
		t.Errorf("oidc identifiers (-want +got):\n%s", diff)
	}
	wantCfg := `{"providers":[` +
		`{"initial_id_token":"","initial_access_token":"","initial_refresh_token":"","subject":"import-2","provider":"google"},` +
		`{"initial_id_token":"","initial_access_token":"","initial_refresh_token":"","subject":"import-2","provider":"github"}]}`
	if string(oidc.Config) != wantCfg {
		t.Errorf("oidc config = %s", oidc.Config)
	}
}

func TestCreateCustomHashValidator(t *testing.T) {
	unsafe := errors.New("The imported password hash can not be used: argon2id hash: memory too large.")
	env := newServiceEnv(t, envOpts{validateHash: func(h []byte) error {
		if strings.HasPrefix(string(h), "$argon2id$") {
			return unsafe
		}
		return nil
	}})
	_, err := env.svc.Create(context.Background(), CreateParams{Traits: json.RawMessage(`{}`),
		Credentials: &CredentialsImport{Password: &PasswordImport{Config: PasswordImportConfig{HashedPassword: "$argon2id$v=19$m=99999999,t=1,p=1$c2FsdA$aGFzaA"}}}})
	e := wantAPIError(t, err, 400, unsafe.Error())
	if !errors.Is(e, unsafe) {
		t.Error("the validator's error is not wrapped")
	}
}
