package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	client "github.com/ory/client-go"
)

// bodyLimit is the admin body limit of the servers below: large enough for
// a 100k-key traits object to reach the validator, so that the test shows
// the validator's cost, not the limit's.
const bodyLimit = 4 << 20

// TestIdentityCreateRejects: every malformed or invalid create is a 4xx
// envelope with a reason a person can act on, never a 500 (foundation
// §5.3, §13 items 81, 87; issue 2 "Bad input").
func TestIdentityCreateRejects(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, dialect string) {
		s := Start(t, ServerOptions{Dialect: dialect, Env: []string{
			multiSchemaEnv(), fmt.Sprintf("SERVE_ADMIN_REQUEST_BODY_LIMIT_BYTES=%d", bodyLimit),
		}})
		url := s.AdminURL + "/admin/identities"
		email := func(e string) map[string]any { return map[string]any{"traits": map[string]any{"email": e}} }

		tests := []struct {
			name   string
			body   any
			status int
			reason string // exact when exact is set, else a part
			exact  bool
		}{
			{name: "schema violation (Kratos's reason)", body: map[string]any{"schema_id": "plain", "traits": map[string]any{"bar": 123}},
				status: 400, exact: true, reason: "I[#/traits/bar] S[#/properties/traits/properties/bar/type] expected string, but got number"},
			{name: "missing required trait", body: map[string]any{"traits": map[string]any{}}, status: 400, reason: "email"},
			{name: "invalid email", body: email("not-an-email"), status: 400, reason: `"not-an-email" is not valid "email"`},
			{name: "additional trait", body: map[string]any{"traits": map[string]any{"email": "a@example.org", "department": "x"}},
				status: 400, reason: `additionalProperties "department" not allowed`},
			{name: "unknown schema_id", body: map[string]any{"schema_id": "does-not-exist", "traits": map[string]any{}},
				status: 400, exact: true, reason: "Unable to find JSON Schema ID: does-not-exist"},
			{name: "strict decoding: id", body: map[string]any{"id": "1d0b1fe0-0000-4000-8000-000000000000", "traits": map[string]any{"email": "a@example.org"}},
				status: 400, reason: `unknown field "id"`},
			{name: "strict decoding: schema_url", body: map[string]any{"schema_url": "http://x/", "traits": map[string]any{"email": "a@example.org"}},
				status: 400, reason: `unknown field "schema_url"`},
			{name: "invalid state", body: map[string]any{"state": "sleeping", "traits": map[string]any{"email": "a@example.org"}},
				status: 400, exact: true, reason: "identity state is not valid"},
			{name: "traits not an object", body: map[string]any{"traits": []int{1}}, status: 400},
			{name: "empty body", body: "", status: 400, reason: `"Content-Length" is zero`},
			{name: "not JSON", body: "traits=1", status: 400},
			{name: "JSON array", body: "[]", status: 400},
			{name: "trailing data", body: `{"traits":{"email":"a@example.org"}} {}`, status: 400},
			{name: "invalid UTF-8 in traits", body: []byte("{\"traits\":{\"email\":\"a\xff@example.org\"}}"), status: 400, reason: "UTF-8"},
			{name: "nesting deeper than 64", body: `{"traits":{"email":"a@example.org","name":` + nested(100) + `}}`,
				status: 400, reason: "nested deeper than 64"},
			{name: "nesting deeper than the decoder allows", body: `{"traits":` + nested(20000) + `}`, status: 400},
			{name: "100k trait keys", body: manyKeys(100_000), status: 400, reason: "and 99992 more not allowed"},
			{name: "oversized body", body: `{"traits":{"email":"a@example.org","name":{"first":"` + strings.Repeat("x", bodyLimit) + `"}}}`,
				status: 413, reason: fmt.Sprint(bodyLimit)},
			{name: "oversized chunked body", body: io.MultiReader(strings.NewReader(`{"traits":{"email":"a@example.org","name":{"first":"` + strings.Repeat("x", bodyLimit) + `"}}}`)),
				status: 413},
			{name: "password over 72 bytes", body: withPassword("long@example.org", strings.Repeat("p", 73)), status: 400, reason: "72"},
			{name: "unknown credential type", body: map[string]any{"traits": map[string]any{"email": "a@example.org"},
				"credentials": map[string]any{"magic": map[string]any{}}}, status: 400, reason: `unknown field "magic"`},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := call(t, "POST", url, tt.body)
				e := r.wantError(t, tt.status, tt.reason)
				if tt.exact && e.Error.Reason != tt.reason {
					t.Errorf("reason = %q, want exactly %q", e.Error.Reason, tt.reason)
				}
				if len(e.Error.Reason) > 2000 {
					t.Errorf("reason is %d bytes long", len(e.Error.Reason))
				}
				// "Refused fast": generous for a loaded 2-core machine, far
				// below Kratos's seconds for 30k keys.
				if r.Took > 3*time.Second {
					t.Errorf("took %v", r.Took)
				}
			})
		}

		// Nothing of the refused requests was stored.
		list := call(t, "GET", url, nil)
		if list.Status != http.StatusOK || strings.TrimSpace(string(list.Body)) != "[]" {
			t.Errorf("after refused creates: %d %s", list.Status, list.Body)
		}
	})
}

// TestIdentityDuplicates: an identifier or address already used is a 409,
// compared case-insensitively and ignoring surrounding whitespace
// (foundation §2.3 step 4, §12), on create and on update.
func TestIdentityDuplicates(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, dialect string) {
		s := Start(t, ServerOptions{Dialect: dialect, Env: []string{multiSchemaEnv()}})
		url := s.AdminURL + "/admin/identities"
		traits := func(schema string, t map[string]any) map[string]any {
			return map[string]any{"schema_id": schema, "traits": t}
		}
		if r := call(t, "POST", url, traits("default", map[string]any{"email": "a@x.io"})); r.Status != http.StatusCreated {
			t.Fatalf("first create: %d %s", r.Status, r.Body)
		}
		if r := call(t, "POST", url, traits("username", map[string]any{"username": "bob"})); r.Status != http.StatusCreated {
			t.Fatalf("first create: %d %s", r.Status, r.Body)
		}
		for _, body := range []map[string]any{
			traits("default", map[string]any{"email": "a@x.io"}),
			traits("default", map[string]any{"email": "A@X.IO"}),
			traits("username", map[string]any{"username": "Bob"}),
			traits("username", map[string]any{"username": "  bob "}),
			traits("username", map[string]any{"username": "BOB\t"}),
			// The same value as another identity's email identifier.
			traits("username", map[string]any{"username": " A@x.io"}),
		} {
			e := call(t, "POST", url, body).wantError(t, http.StatusConflict, "")
			if e.Error.Message != "Unable to insert or update resource because a resource with that value exists already" {
				t.Errorf("409 message = %q", e.Error.Message)
			}
		}

		// Update into someone else's identifier.
		other := newIdentity(t, s, "other@x.io")
		upd := client.NewUpdateIdentityBody("default", "active", map[string]any{"email": "A@x.io"})
		_, res, err := s.Admin().IdentityAPI.UpdateIdentity(context.Background(), other.Id).UpdateIdentityBody(*upd).Execute()
		wantSDKError(t, err, res, http.StatusConflict, "")

		// The failed update left the identity as it was.
		got, _, err := s.Admin().IdentityAPI.GetIdentity(context.Background(), other.Id).Execute()
		must(t, err)
		wantPasswordIdentifiers(t, got, "other@x.io")
	})
}

// TestDuplicateEmailWithLeadingSpace: Kratos's email format (ory/jsonschema:
// hostname check on the domain, then net/mail) accepts " A@x.io", and the
// stored identifier is trimmed and lowercased, so the create is a 409
// duplicate, not a 400 format error.
func TestDuplicateEmailWithLeadingSpace(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, dialect string) {
		s := Start(t, ServerOptions{Dialect: dialect})
		newIdentity(t, s, "a@x.io")
		r := call(t, "POST", s.AdminURL+"/admin/identities", map[string]any{"traits": map[string]any{"email": " A@x.io"}})
		r.wantError(t, http.StatusConflict, "")
	})
}

// TestIdentityUpdateRejects: PUT validates like create (items 87, 88).
func TestIdentityUpdateRejects(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, dialect string) {
		s := Start(t, ServerOptions{Dialect: dialect, Env: []string{multiSchemaEnv()}})
		id := newIdentity(t, s, "put@example.org")
		url := s.AdminURL + "/admin/identities/" + id.Id
		tests := []struct {
			name   string
			body   any
			status int
			reason string
		}{
			{"empty body", nil, 400, `Unable to decode HTTP Request Body because its HTTP Header "Content-Length" is zero`},
			{"empty string body", "", 400, `"Content-Length" is zero`},
			{"invalid traits", map[string]any{"traits": map[string]any{"email": 1}}, 400, "expected string, but got number"},
			{"switch to a schema the traits do not fit", map[string]any{"schema_id": "plain", "traits": map[string]any{"email": "put@example.org"}},
				400, `additionalProperties "email" not allowed`},
			{"unknown schema", map[string]any{"schema_id": "nope", "traits": map[string]any{"email": "put@example.org"}}, 400, "Unable to find JSON Schema ID: nope"},
			{"invalid state", map[string]any{"state": "x", "traits": map[string]any{"email": "put@example.org"}}, 400, "identity state is not valid"},
			{"strict decoding", map[string]any{"id": id.Id, "traits": map[string]any{"email": "put@example.org"}}, 400, `unknown field "id"`},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				call(t, "PUT", url, tt.body).wantError(t, tt.status, tt.reason)
			})
		}
		got, _, err := s.Admin().IdentityAPI.GetIdentity(context.Background(), id.Id).Execute()
		must(t, err)
		if got.SchemaId != "default" || !jsonEqual(t, got.Traits, id.Traits) || got.GetState() != "active" {
			t.Errorf("refused updates changed the identity: %+v", got)
		}
	})
}

func withPassword(email, password string) map[string]any {
	return map[string]any{
		"traits":      map[string]any{"email": email},
		"credentials": map[string]any{"password": map[string]any{"config": map[string]any{"password": password}}},
	}
}

// nested is {"a":{"a":…1…}} with depth levels.
func nested(depth int) string {
	return strings.Repeat(`{"a":`, depth) + "1" + strings.Repeat("}", depth)
}

// manyKeys is a create body whose traits have n keys besides the email.
func manyKeys(n int) string {
	var b strings.Builder
	b.WriteString(`{"traits":{"email":"many@example.org"`)
	for i := range n {
		fmt.Fprintf(&b, `,"k%d":%d`, i, i)
	}
	b.WriteString("}}")
	return b.String()
}
