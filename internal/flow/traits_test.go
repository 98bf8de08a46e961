package flow

import (
	"encoding/json"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/warden-id/warden/internal/ui"
)

func TestTraitFieldsDefaultSchema(t *testing.T) {
	raw, err := os.ReadFile("../config/default.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	got, err := TraitFields(raw)
	if err != nil {
		t.Fatal(err)
	}
	want := []TraitField{
		{Name: "traits.email", InputType: ui.InputEmail, Required: true, Title: "E-Mail", Identifier: true},
		{Name: "traits.name.first", InputType: ui.InputText, Title: "First Name"},
		{Name: "traits.name.last", InputType: ui.InputText, Title: "Last Name"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
}

func TestTraitFieldsShapes(t *testing.T) {
	// Key order is the file's, not alphabetical; $refs are followed; types
	// and formats map to input types (settings §3.5).
	schema := `{
	  "definitions": {"tel": {"type": "string", "pattern": "^\\+[0-9]+$", "title": "Phone"}},
	  "properties": {"traits": {"type": "object", "required": ["zeta", "phone"], "properties": {
	    "zeta": {"type": "string", "format": "uri"},
	    "phone": {"$ref": "#/definitions/tel"},
	    "age": {"type": ["integer", "null"]},
	    "newsletter": {"type": "boolean", "disableFormField": true},
	    "born": {"type": "string", "format": "date"},
	    "seen": {"type": "string", "format": "date-time"},
	    "password": {"type": "string"},
	    "address": {"type": "object", "required": ["city"], "properties": {"city": {"type": "string"}}},
	    "username": {"type": "string", "ory.sh/kratos": {"credentials": {"password": {"identifier": true}}}}
	  }}}
	}`
	got, err := TraitFields([]byte(schema))
	if err != nil {
		t.Fatal(err)
	}
	want := []TraitField{
		{Name: "traits.zeta", InputType: ui.InputURL, Required: true},
		{Name: "traits.phone", InputType: ui.InputText, Required: true, Pattern: `^\+[0-9]+$`, Title: "Phone"},
		{Name: "traits.age", InputType: ui.InputNumber},
		{Name: "traits.newsletter", InputType: ui.InputCheckbox, Disabled: true},
		{Name: "traits.born", InputType: ui.InputDate},
		{Name: "traits.seen", InputType: ui.InputDateTime},
		{Name: "traits.password", InputType: ui.InputPassword},
		{Name: "traits.address.city", InputType: ui.InputText, Required: true},
		{Name: "traits.username", InputType: ui.InputText, Identifier: true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
	if keys := TraitSortKeys(got); keys[0] != "traits.username" || keys[1] != "traits.zeta" {
		t.Errorf("sort keys %v: identifiers first, then schema order", keys)
	}
}

func TestTraitFieldsBadSchemas(t *testing.T) {
	for _, s := range []string{``, `[]`, `{"properties": {}}`, `{"properties": {"traits": 1}}`,
		`{"properties": {"traits": {"$ref": "#/a"}}, "a": {"$ref": "#/properties/traits"}}`} {
		if _, err := TraitFields([]byte(s)); err == nil {
			t.Errorf("TraitFields(%q) succeeded", s)
		}
	}
}

func TestTraitNodesAndFlatten(t *testing.T) {
	fields := []TraitField{{Name: "traits.email", InputType: ui.InputEmail, Required: true, Title: "E-Mail"},
		{Name: "traits.name.first", InputType: ui.InputText}}
	values := FlattenTraits(map[string]any{"email": "a@b.c", "name": map[string]any{"first": "Ann"}})
	nodes := TraitNodes(fields, ui.GroupPassword, values)
	b, err := json.Marshal(nodes)
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"type":"input","group":"password","attributes":{"name":"traits.email","type":"email","value":"a@b.c","required":true,"disabled":false,"node_type":"input"},"messages":[],"meta":{"label":{"id":1070002,"text":"E-Mail","type":"info"}}},` +
		`{"type":"input","group":"password","attributes":{"name":"traits.name.first","type":"text","value":"Ann","disabled":false,"node_type":"input"},"messages":[],"meta":{}}]`
	if string(b) != want {
		t.Errorf("nodes:\n%s\nwant:\n%s", b, want)
	}
}

func TestErrorManager(t *testing.T) {
	fx := newFixture(t)
	em := fx.rs.Errors
	// HTML: stored, then a 303 to the error UI.
	w := httptest.NewRecorder()
	r, _ := fx.browserRequest("GET", "/self-service/login/browser")
	em.Redirect(w, r, ErrFlowIDMissing())
	loc := w.Header().Get("Location")
	if w.Code != 303 || len(loc) != len("http://localhost:4455/error?id=")+36 {
		t.Fatalf("got %d %q", w.Code, loc)
	}
	id := loc[len(loc)-36:]
	if fx.errs.rows == nil || len(fx.errs.rows) != 1 {
		t.Fatal("error not stored")
	}
	for _, row := range fx.errs.rows {
		if row.CSRFTokenHash == "" {
			t.Error("the request's CSRF token hash is kept with the error")
		}
	}
	// Fetch by ?id= and by ?error=.
	for _, q := range []string{"id", "error"} {
		w = httptest.NewRecorder()
		em.ServeHTTP(w, httptest.NewRequest("GET", "/self-service/errors?"+q+"="+id, nil))
		body := decodeBody(t, w)
		e, _ := body["error"].(map[string]any)
		if w.Code != 200 || body["id"] != id || e["code"] != 400.0 || e["reason"] != "The flow query parameter is missing or malformed." {
			t.Errorf("?%s: %d %s", q, w.Code, w.Body)
		}
		if _, wrapped := e["error"]; wrapped {
			t.Error("the stored error must not be wrapped in {error: …}")
		}
	}
	// Stub, unknown and malformed ids.
	w = httptest.NewRecorder()
	em.ServeHTTP(w, httptest.NewRequest("GET", "/self-service/errors?id=stub:500", nil))
	if body := decodeBody(t, w); w.Code != 200 || body["error"].(map[string]any)["reason"] != "This is a stub error." {
		t.Errorf("stub: %d %s", w.Code, w.Body)
	}
	for _, q := range []string{"?id=00000000-0000-0000-0000-000000000001", "?id=garbage", ""} {
		w = httptest.NewRecorder()
		em.ServeHTTP(w, httptest.NewRequest("GET", "/self-service/errors"+q, nil))
		if w.Code != 404 {
			t.Errorf("%q: status %d", q, w.Code)
		}
	}
	// JSON requests get the envelope directly; nothing is stored.
	w = httptest.NewRecorder()
	r = httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Accept", "application/json")
	em.Redirect(w, r, ErrFlowIDMissing())
	if w.Code != 400 || len(fx.errs.rows) != 1 {
		t.Errorf("JSON: %d, stored %d", w.Code, len(fx.errs.rows))
	}
}
