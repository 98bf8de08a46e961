package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	client "github.com/ory/client-go"
)

// TestIdentityLifecycle drives create, get, list, update, patch and delete
// through the Ory SDK (foundation §5.3, §13 items 80–88).
func TestIdentityLifecycle(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, dialect string) {
		s := Start(t, ServerOptions{Dialect: dialect, Env: []string{multiSchemaEnv()}})
		ctx := context.Background()
		api := s.Admin().IdentityAPI

		// Item 80: an empty list is [] (not null).
		list, res, err := api.ListIdentities(ctx).Execute()
		must(t, err)
		if len(list) != 0 || res.StatusCode != http.StatusOK {
			t.Fatalf("empty list = %d items, status %d", len(list), res.StatusCode)
		}
		if raw := call(t, "GET", s.AdminURL+"/admin/identities", nil); strings.TrimSpace(string(raw.Body)) != "[]" {
			t.Errorf("empty list body = %q, want []", raw.Body)
		}

		// Create (items 82, 86).
		body := client.NewCreateIdentityBody("default", map[string]any{
			"email": "Ada@Example.ORG", "name": map[string]any{"first": "Ada"},
		})
		body.MetadataPublic = map[string]any{"plan": "free"}
		body.MetadataAdmin = map[string]any{"note": "vip"}
		created, res, err := api.CreateIdentity(ctx).CreateIdentityBody(*body).Execute()
		must(t, err)
		if res.StatusCode != http.StatusCreated {
			t.Errorf("create status = %d, want 201", res.StatusCode)
		}
		if id, err := uuid.Parse(created.Id); err != nil || id.Version() != 4 {
			t.Errorf("id %q is not a UUID v4", created.Id)
		}
		if want := s.AdminURL + "/admin/identities/" + created.Id; res.Header.Get("Location") != want {
			t.Errorf("Location = %q, want %q", res.Header.Get("Location"), want)
		}
		if created.SchemaId != "default" || created.SchemaUrl != s.PublicURL+"/schemas/ZGVmYXVsdA" {
			t.Errorf("schema_id/schema_url = %q/%q", created.SchemaId, created.SchemaUrl)
		}
		if created.GetState() != "active" || created.StateChangedAt == nil {
			t.Errorf("state = %q, state_changed_at = %v", created.GetState(), created.StateChangedAt)
		}
		wantAddresses(t, created, "ada@example.org")
		wantPasswordIdentifiers(t, created, "ada@example.org")
		if created.MetadataAdmin["note"] != "vip" || created.MetadataPublic["plan"] != "free" {
			t.Errorf("metadata = %v / %v", created.MetadataPublic, created.MetadataAdmin)
		}

		// Get: credentials without config, metadata_admin shown (item 84).
		got, res, err := api.GetIdentity(ctx, created.Id).IncludeCredential([]string{"password"}).Execute()
		must(t, err)
		if res.StatusCode != http.StatusOK || got.Id != created.Id || got.MetadataAdmin["note"] != "vip" {
			t.Errorf("get = %d %+v", res.StatusCode, got)
		}
		for typ, c := range got.GetCredentials() {
			if c.Config != nil {
				t.Errorf("credential %s shows its config: %v", typ, c.Config)
			}
		}
		raw := call(t, "GET", s.AdminURL+"/admin/identities/"+created.Id+"?include_credential=password", nil)
		if strings.Contains(string(raw.Body), "hashed_password") || strings.Contains(string(raw.Body), `"config"`) {
			t.Errorf("admin get leaks credential config: %s", raw.Body)
		}
		bad := call(t, "GET", s.AdminURL+"/admin/identities/"+created.Id+"?include_credential=bogus", nil)
		bad.wantError(t, http.StatusBadRequest, "Invalid value `bogus` for parameter `include_credential`.")

		// The public port redirects to the admin API; the SDK follows (item 80).
		viaPublic, _, err := s.Public().IdentityAPI.GetIdentity(ctx, created.Id).Execute()
		must(t, err)
		if viaPublic.Id != created.Id {
			t.Errorf("get via public = %q", viaPublic.Id)
		}

		// A schema without the extension gives an identity without credentials (item 82).
		plain, _, err := api.CreateIdentity(ctx).CreateIdentityBody(*client.NewCreateIdentityBody("plain", map[string]any{"bar": "baz"})).Execute()
		must(t, err)
		if plain.Credentials != nil || plain.SchemaUrl != s.PublicURL+"/schemas/cGxhaW4" {
			t.Errorf("plain identity: credentials %v, schema_url %q", plain.Credentials, plain.SchemaUrl)
		}

		// List: no credentials, no metadata_admin (foundation §5.1).
		list, _, err = api.ListIdentities(ctx).Execute()
		must(t, err)
		if len(list) != 2 {
			t.Fatalf("list has %d identities, want 2", len(list))
		}
		rawList := call(t, "GET", s.AdminURL+"/admin/identities", nil)
		for _, field := range []string{`"credentials"`, `"metadata_admin"`} {
			if strings.Contains(string(rawList.Body), field) {
				t.Errorf("list shows %s: %s", field, rawList.Body)
			}
		}

		// Update (PUT) replaces traits and metadata, changes state (items 85, 86).
		time.Sleep(5 * time.Millisecond) // state_changed_at must move
		upd := client.NewUpdateIdentityBody("default", "inactive", map[string]any{"email": "grace@example.org"})
		upd.MetadataPublic = map[string]any{"plan": "pro"}
		updated, res, err := api.UpdateIdentity(ctx, created.Id).UpdateIdentityBody(*upd).Execute()
		must(t, err)
		if res.StatusCode != http.StatusOK || updated.GetState() != "inactive" {
			t.Errorf("update: %d, state %q", res.StatusCode, updated.GetState())
		}
		if !updated.StateChangedAt.After(*created.StateChangedAt) {
			t.Errorf("state_changed_at %v did not move past %v", updated.StateChangedAt, created.StateChangedAt)
		}
		if updated.MetadataAdmin != nil || updated.MetadataPublic["plan"] != "pro" {
			t.Errorf("metadata after PUT = %v / %v, want admin null", updated.MetadataPublic, updated.MetadataAdmin)
		}
		wantAddresses(t, updated, "grace@example.org")
		wantPasswordIdentifiers(t, updated, "grace@example.org")
		again, _, err := api.GetIdentity(ctx, created.Id).Execute()
		must(t, err)
		if !jsonEqual(t, again.Traits, updated.Traits) || again.GetState() != "inactive" {
			t.Errorf("GET after PUT = %v %q", again.Traits, again.GetState())
		}

		// Patch (v1, RFC 6902).
		op := client.NewJsonPatch("add", "/traits/name")
		op.Value = map[string]any{"first": "Grace", "last": "Hopper"}
		patched, res, err := api.PatchIdentity(ctx, created.Id).JsonPatch([]client.JsonPatch{*op}).Execute()
		must(t, err)
		if res.StatusCode != http.StatusOK || !jsonEqual(t, patched.Traits, map[string]any{
			"email": "grace@example.org", "name": map[string]any{"first": "Grace", "last": "Hopper"},
		}) {
			t.Errorf("patch: %d %v", res.StatusCode, patched.Traits)
		}
		badOp := client.NewJsonPatch("replace", "/traits/email")
		badOp.Value = 42
		_, res, err = api.PatchIdentity(ctx, created.Id).JsonPatch([]client.JsonPatch{*badOp}).Execute()
		wantSDKError(t, err, res, http.StatusBadRequest, "expected string, but got number")

		// Delete, then everything about it is 404 (item 88).
		res, err = api.DeleteIdentity(ctx, created.Id).Execute()
		must(t, err)
		if res.StatusCode != http.StatusNoContent {
			t.Errorf("delete status = %d, want 204", res.StatusCode)
		}
		_, res, err = api.GetIdentity(ctx, created.Id).Execute()
		e := wantSDKError(t, err, res, http.StatusNotFound, "")
		if e.Error.Message != "Unable to locate the resource" {
			t.Errorf("404 message = %q", e.Error.Message)
		}
		res, err = api.DeleteIdentity(ctx, created.Id).Execute()
		wantSDKError(t, err, res, http.StatusNotFound, "")
		_, res, err = api.UpdateIdentity(ctx, created.Id).UpdateIdentityBody(*upd).Execute()
		wantSDKError(t, err, res, http.StatusNotFound, "")
		_, res, err = api.PatchIdentity(ctx, created.Id).JsonPatch([]client.JsonPatch{*op}).Execute()
		wantSDKError(t, err, res, http.StatusNotFound, "")
	})
}

// TestIdentityNotFound: unknown and malformed ids are 404 "Unable to locate
// the resource" on every verb, directly and through the public redirect.
func TestIdentityNotFound(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, dialect string) {
		s := Start(t, ServerOptions{Dialect: dialect})
		update := map[string]any{"schema_id": "default", "traits": map[string]any{"email": "x@example.org"}}
		for _, id := range []string{uuid.NewString(), "does-not-exist", "00000000-0000-0000-0000-000000000000"} {
			for _, req := range []struct {
				method string
				body   any
			}{{"GET", nil}, {"DELETE", nil}, {"PUT", update}, {"PATCH", `[{"op":"remove","path":"/traits/name"}]`}} {
				r := call(t, req.method, s.AdminURL+"/admin/identities/"+id, req.body)
				e := r.wantError(t, http.StatusNotFound, "")
				if e.Error.Message != "Unable to locate the resource" {
					t.Errorf("%s %s: message %q", req.method, id, e.Error.Message)
				}
			}
		}
		// Through the public port: the SDK follows the 307 (item 80).
		_, res, err := s.Public().IdentityAPI.GetIdentity(context.Background(), "does-not-exist").Execute()
		wantSDKError(t, err, res, http.StatusNotFound, "")
	})
}

// wantAddresses checks the verifiable and recovery addresses derived from
// the email trait.
func wantAddresses(t *testing.T, i *client.Identity, email string) {
	t.Helper()
	if len(i.VerifiableAddresses) != 1 || i.VerifiableAddresses[0].Value != email ||
		i.VerifiableAddresses[0].Via != "email" || i.VerifiableAddresses[0].Status != "pending" || i.VerifiableAddresses[0].Verified {
		t.Errorf("verifiable_addresses = %+v, want one pending %s", i.VerifiableAddresses, email)
	}
	if len(i.RecoveryAddresses) != 1 || i.RecoveryAddresses[0].Value != email || i.RecoveryAddresses[0].Via != "email" {
		t.Errorf("recovery_addresses = %+v, want %s", i.RecoveryAddresses, email)
	}
}

// wantPasswordIdentifiers checks credentials.password.identifiers.
func wantPasswordIdentifiers(t *testing.T, i *client.Identity, ids ...string) {
	t.Helper()
	c, ok := i.GetCredentials()["password"]
	if !ok {
		t.Fatalf("no password credential in %v", i.GetCredentials())
	}
	if strings.Join(c.Identifiers, ",") != strings.Join(ids, ",") {
		t.Errorf("password identifiers = %v, want %v", c.Identifiers, ids)
	}
}
