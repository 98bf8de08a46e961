package identity

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
)

func TestUpdateReplaces(t *testing.T) {
	env := newServiceEnv(t, envOpts{})
	ctx := context.Background()
	created := env.mustCreate(t, CreateParams{SchemaID: "employee", Traits: json.RawMessage(`{"email":"a@x.org","department":"hr"}`),
		MetadataPublic: json.RawMessage(`{"p":1}`), MetadataAdmin: json.RawMessage(`{"a":1}`),
		Credentials: &CredentialsImport{Password: &PasswordImport{Config: PasswordImportConfig{Password: "secret"}}}})

	// Same state: state_changed_at stays. Metadata omitted: becomes null.
	u, err := env.svc.Update(ctx, created.ID, UpdateParams{Traits: json.RawMessage(`{"email":"a@x.org","department":"it"}`), State: StateActive})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	if !u.StateChangedAt.Equal(*created.StateChangedAt) {
		t.Errorf("state_changed_at moved without a state change: %v → %v", created.StateChangedAt, u.StateChangedAt)
	}
	if u.MetadataPublic != nil || u.MetadataAdmin != nil {
		t.Errorf("omitted metadata kept: %s / %s", u.MetadataPublic, u.MetadataAdmin)
	}
	if string(u.Traits) != `{"email":"a@x.org","department":"it"}` || u.SchemaID != "employee" {
		t.Errorf("traits %s schema %s", u.Traits, u.SchemaID)
	}
	if string(u.Credentials[CredentialsPassword].Config) != string(created.Credentials[CredentialsPassword].Config) {
		t.Error("credentials not kept")
	}

	// A state change sets state_changed_at; a GET shows the same.
	u2, err := env.svc.Update(ctx, created.ID, UpdateParams{Traits: u.Traits, State: StateInactive, MetadataAdmin: json.RawMessage(`[1]`)})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	if u2.State != StateInactive || !u2.StateChangedAt.After(*u.StateChangedAt) {
		t.Errorf("state %s changed_at %v", u2.State, u2.StateChangedAt)
	}
	got, err := env.store.FindIdentityByID(ctx, created.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != StateInactive || string(got.MetadataAdmin) != `[1]` || !got.StateChangedAt.Equal(*u2.StateChangedAt) {
		t.Errorf("stored %+v", got)
	}
}

func TestUpdateErrors(t *testing.T) {
	env := newServiceEnv(t, envOpts{})
	ctx := context.Background()
	i := env.mustCreate(t, CreateParams{SchemaID: "employee", Traits: json.RawMessage(`{"email":"a@x.org","department":"hr"}`)})
	tests := []struct {
		name   string
		id     uuid.UUID
		p      UpdateParams
		status int
		reason string
	}{
		{"unknown id", uuid.New(), UpdateParams{Traits: json.RawMessage(`{}`)}, 404, ""},
		{"schema switch, traits invalid for it", i.ID, UpdateParams{SchemaID: "manager", Traits: i.Traits}, 400,
			`I[#/traits] S[#/properties/traits/additionalProperties] additionalProperties "department" not allowed`},
		{"unknown schema", i.ID, UpdateParams{SchemaID: "nope", Traits: i.Traits}, 400, "Unable to find JSON Schema ID: nope"},
		{"invalid state", i.ID, UpdateParams{State: "x", Traits: i.Traits}, 400, "identity state is not valid"},
		{"missing traits", i.ID, UpdateParams{}, 400, "I[#/traits] S[#/properties/traits/type] expected object, but got null"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := env.svc.Update(ctx, tt.id, tt.p)
			e := wantAPIError(t, err, tt.status, tt.reason)
			if tt.status == 404 && e.Message != "Unable to locate the resource" {
				t.Errorf("404 message = %q", e.Message)
			}
		})
	}
	// Nothing was written by the failed updates.
	got, err := env.store.FindIdentityByID(ctx, i.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	if got.SchemaID != "employee" || string(got.Traits) != string(i.Traits) {
		t.Errorf("identity changed by failed updates: %+v", got)
	}
}

func TestUpdateRederivesAddresses(t *testing.T) {
	env := newServiceEnv(t, envOpts{})
	ctx := context.Background()
	i := env.mustCreate(t, CreateParams{SchemaID: "compat", Traits: json.RawMessage(`{"email":"old@x.org"}`),
		VerifiableAddresses: []VerifiableAddress{{Value: "old@x.org", Via: ViaEmail, Verified: true, Status: AddressStatusCompleted}}})
	oldVA := i.VerifiableAddresses[0]

	// Unchanged email: the address keeps its id and verified state.
	u, err := env.svc.Update(ctx, i.ID, UpdateParams{Traits: json.RawMessage(`{"email":"OLD@x.org","name":{"first":"A"}}`)})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	if diff := cmp.Diff(oldVA.ID, u.VerifiableAddresses[0].ID); diff != "" || !u.VerifiableAddresses[0].Verified {
		t.Errorf("address not kept: %+v", u.VerifiableAddresses)
	}

	// New email: both address lists and the identifiers are re-derived.
	u, err = env.svc.Update(ctx, i.ID, UpdateParams{Traits: json.RawMessage(`{"email":"new@x.org"}`)})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	if len(u.VerifiableAddresses) != 1 || u.VerifiableAddresses[0].Value != "new@x.org" || u.VerifiableAddresses[0].Verified ||
		u.VerifiableAddresses[0].Status != AddressStatusPending || u.VerifiableAddresses[0].ID == oldVA.ID {
		t.Errorf("verifiable addresses = %+v", u.VerifiableAddresses)
	}
	if len(u.RecoveryAddresses) != 1 || u.RecoveryAddresses[0].Value != "new@x.org" {
		t.Errorf("recovery addresses = %+v", u.RecoveryAddresses)
	}
	for _, ct := range []CredentialsType{CredentialsPassword, CredentialsWebAuthn} {
		if diff := cmp.Diff([]string{"new@x.org"}, u.Credentials[ct].Identifiers); diff != "" {
			t.Errorf("%s identifiers (-want +got):\n%s", ct, diff)
		}
	}
	// The old identifier is free again.
	env.mustCreate(t, CreateParams{SchemaID: "compat", Traits: json.RawMessage(`{"email":"old@x.org"}`)})
}

func TestUpdateImportsCredentials(t *testing.T) {
	env := newServiceEnv(t, envOpts{})
	ctx := context.Background()
	i := env.mustCreate(t, CreateParams{SchemaID: "employee", Traits: json.RawMessage(`{"email":"a@x.org"}`),
		Credentials: &CredentialsImport{OIDC: &OIDCImport{Config: OIDCImportConfig{Providers: []OIDCImportProvider{{Provider: "google", Subject: "1"}}}}}})
	u, err := env.svc.Update(ctx, i.ID, UpdateParams{Traits: i.Traits, Credentials: &CredentialsImport{
		Password: &PasswordImport{Config: PasswordImportConfig{Password: "new-pass"}},
		OIDC:     &OIDCImport{Config: OIDCImportConfig{Providers: []OIDCImportProvider{{Provider: "github", Subject: "2"}}}},
	}})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	var pw PasswordConfig
	if err := json.Unmarshal(u.Credentials[CredentialsPassword].Config, &pw); err != nil || pw.HashedPassword != fakeHash("new-pass") {
		t.Errorf("password config %s (%v)", u.Credentials[CredentialsPassword].Config, err)
	}
	if diff := cmp.Diff([]string{"google:1", "github:2"}, u.Credentials[CredentialsOIDC].Identifiers); diff != "" {
		t.Errorf("oidc identifiers (-want +got):\n%s", diff)
	}
}

func TestApplyTraits(t *testing.T) {
	env := newServiceEnv(t, envOpts{})
	id := uuid.New()
	i := &Identity{ID: id, SchemaID: "employee", Traits: json.RawMessage(`{"email":"a@x.org"}`),
		Credentials: map[CredentialsType]Credentials{
			CredentialsPassword:     {Type: CredentialsPassword, Identifiers: []string{"a@x.org"}, Config: json.RawMessage(`{"hashed_password":"h"}`)},
			CredentialsTOTP:         {Type: CredentialsTOTP, Identifiers: []string{"stale"}, Config: json.RawMessage(`{"totp_url":"otpauth://x"}`)},
			CredentialsLookupSecret: {Type: CredentialsLookupSecret, Config: json.RawMessage(`{"recovery_codes":[]}`)},
			CredentialsOIDC:         {Type: CredentialsOIDC, Identifiers: []string{"google:1"}, Config: json.RawMessage(`{}`)},
		}}
	before := deepCopy(*i)

	// Invalid traits: a 400 wrapping the *ValidationError; i is untouched.
	err := env.svc.ApplyTraits(i, json.RawMessage(`{"email":"bad"}`))
	e := wantAPIError(t, err, 400, `I[#/traits/email] S[#/properties/traits/properties/email/format] "bad" is not valid "email"`)
	var verr *ValidationError
	if !errors.As(e, &verr) || verr.Causes[0].Path[1] != "email" {
		t.Fatalf("ValidationError not wrapped: %v", err)
	}
	if diff := cmp.Diff(before, *i); diff != "" {
		t.Errorf("identity changed on error (-before +after):\n%s", diff)
	}

	if err := env.svc.ApplyTraits(i, json.RawMessage(`{"email":"B@x.org"}`)); err != nil {
		t.Fatalf("ApplyTraits: %v", err)
	}
	want := map[CredentialsType][]string{
		CredentialsPassword: {"b@x.org"}, CredentialsTOTP: {id.String()}, CredentialsLookupSecret: {id.String()}, CredentialsOIDC: {"google:1"},
	}
	for ct, ids := range want {
		if diff := cmp.Diff(ids, i.Credentials[ct].Identifiers); diff != "" {
			t.Errorf("%s identifiers (-want +got):\n%s", ct, diff)
		}
	}
	if string(i.Credentials[CredentialsPassword].Config) != `{"hashed_password":"h"}` {
		t.Error("password config changed")
	}
	if i.SchemaURL != "https://id.example/schemas/ZW1wbG95ZWU" {
		t.Errorf("schema_url = %s", i.SchemaURL)
	}

	// Traits without identifiers leave the password credential with none;
	// the settings and registration flows decide whether that is allowed.
	i.SchemaID = "default"
	if err := env.svc.ApplyTraits(i, json.RawMessage(`{"bar":"x"}`)); err != nil {
		t.Fatalf("ApplyTraits: %v", err)
	}
	if ids := i.Credentials[CredentialsPassword].Identifiers; ids == nil || len(ids) != 0 {
		t.Errorf("password identifiers = %#v, want empty", ids)
	}
	if len(i.VerifiableAddresses) != 0 || len(i.RecoveryAddresses) != 0 {
		t.Error("addresses not dropped")
	}
}
