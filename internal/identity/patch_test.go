package identity

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
)

func TestPatch(t *testing.T) {
	env := newServiceEnv(t, envOpts{})
	ctx := context.Background()
	i := env.mustCreate(t, CreateParams{SchemaID: "compat", Traits: json.RawMessage(`{"email":"a@x.org"}`),
		MetadataPublic: json.RawMessage(`{"keep":12345678901234567890}`),
		Credentials:    &CredentialsImport{Password: &PasswordImport{Config: PasswordImportConfig{Password: "pw"}}}})
	addrID := i.VerifiableAddresses[0].ID

	p, err := env.svc.Patch(ctx, i.ID, []byte(`[
		{"op":"replace","path":"/verifiable_addresses/0/verified","value":true},
		{"op":"replace","path":"/verifiable_addresses/0/status","value":"completed"},
		{"op":"add","path":"/traits/name","value":{"first":"Ann"}},
		{"op":"add","path":"/metadata_admin","value":{"note":"<b>vip</b>"}},
		{"op":"replace","path":"/state","value":"inactive"},
		{"op":"test","path":"/schema_id","value":"compat"}]`))
	if err != nil {
		t.Fatalf("Patch: %v", err)
	}
	if p.State != StateInactive || !p.StateChangedAt.After(*i.StateChangedAt) {
		t.Errorf("state %s changed_at %v", p.State, p.StateChangedAt)
	}
	va := p.VerifiableAddresses[0]
	if va.ID != addrID || !va.Verified || va.Status != AddressStatusCompleted {
		t.Errorf("verifiable address = %+v (id was %s)", va, addrID)
	}
	var traits map[string]any
	if err := json.Unmarshal(p.Traits, &traits); err != nil || traits["name"] == nil {
		t.Errorf("traits = %s", p.Traits)
	}
	if string(p.MetadataAdmin) != `{"note":"<b>vip</b>"}` || string(p.MetadataPublic) != `{"keep":12345678901234567890}` {
		t.Errorf("metadata = %s / %s", p.MetadataPublic, p.MetadataAdmin)
	}
	if string(p.Credentials[CredentialsPassword].Config) != string(i.Credentials[CredentialsPassword].Config) {
		t.Error("credentials changed by a patch")
	}

	// Changing the email through a patch re-derives identifiers; the old
	// address goes, the new one is pending.
	p, err = env.svc.Patch(ctx, i.ID, []byte(`[{"op":"replace","path":"/traits/email","value":"B@x.org"}]`))
	if err != nil {
		t.Fatalf("Patch: %v", err)
	}
	if diff := cmp.Diff([]string{"b@x.org"}, p.Credentials[CredentialsPassword].Identifiers); diff != "" {
		t.Errorf("identifiers (-want +got):\n%s", diff)
	}
	if len(p.VerifiableAddresses) != 1 || p.VerifiableAddresses[0].Value != "b@x.org" || p.VerifiableAddresses[0].Verified {
		t.Errorf("verifiable addresses = %+v", p.VerifiableAddresses)
	}
}

func TestPatchErrors(t *testing.T) {
	env := newServiceEnv(t, envOpts{})
	ctx := context.Background()
	i := env.mustCreate(t, CreateParams{SchemaID: "employee", Traits: json.RawMessage(`{"email":"a@x.org","department":"hr"}`)})
	tests := []struct {
		name   string
		id     uuid.UUID
		patch  string
		status int
		reason string
	}{
		{"unknown id", uuid.New(), `[]`, 404, ""},
		{"not a patch", i.ID, `{"op":"replace"}`, 400, ""},
		{"id", i.ID, `[{"op":"replace","path":"/id","value":"` + uuid.NewString() + `"}]`, 400, "patch includes denied path: /id"},
		{"credentials", i.ID, `[{"op":"add","path":"/credentials/password","value":{}}]`, 400, "patch includes denied path: /credentials/password"},
		{"state_changed_at", i.ID, `[{"op":"remove","path":"/state_changed_at"}]`, 400, "patch includes denied path: /state_changed_at"},
		{"created_at", i.ID, `[{"op":"replace","path":"/created_at","value":"2000-01-01T00:00:00Z"}]`, 400, "patch includes denied path: /created_at"},
		{"whole document", i.ID, `[{"op":"replace","path":"","value":{}}]`, 400, "patch includes denied path: "},
		{"move", i.ID, `[{"op":"move","from":"/traits/department","path":"/metadata_public"}]`, 400, "unsupported operation: move"},
		{"copy", i.ID, `[{"op":"copy","from":"/traits","path":"/metadata_public"}]`, 400, "unsupported operation: copy"},
		{"unknown op", i.ID, `[{"op":"frobnicate","path":"/traits"}]`, 400, ""},
		{"failed test", i.ID, `[{"op":"test","path":"/state","value":"inactive"}]`, 400, ""},
		{"missing path", i.ID, `[{"op":"replace","path":"/traits/nope/deeper","value":1}]`, 400, ""},
		{"invalid state", i.ID, `[{"op":"replace","path":"/state","value":"paused"}]`, 400, "identity state is not valid"},
		{"invalid traits", i.ID, `[{"op":"replace","path":"/traits/department","value":5}]`, 400,
			"I[#/traits/department] S[#/properties/traits/properties/department/type] expected string, but got number"},
		{"schema switch", i.ID, `[{"op":"replace","path":"/schema_id","value":"manager"}]`, 400,
			`I[#/traits] S[#/properties/traits/additionalProperties] additionalProperties "department" not allowed`},
		{"bad address status", i.ID, `[{"op":"replace","path":"/verifiable_addresses/0/status","value":"bogus"}]`, 400, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := env.svc.Patch(ctx, tt.id, []byte(tt.patch))
			e := wantAPIError(t, err, tt.status, tt.reason)
			if tt.name == "invalid traits" {
				var verr *ValidationError
				if !errors.As(e, &verr) {
					t.Error("ValidationError not wrapped")
				}
			}
		})
	}
	got, err := env.store.FindIdentityByID(ctx, i.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	if got.SchemaID != "employee" || got.State != StateActive || string(got.Traits) != string(i.Traits) {
		t.Errorf("identity changed by failed patches: %+v", got)
	}
}
