package identity

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const minimalSchema = `{"properties":{"traits":{"type":"object","properties":{"email":{"type":"string"}}}}}`

func TestLoadSchemasURLSchemes(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "identity.schema.json")
	raw := []byte("{\n  \"properties\": {\"traits\": {\"type\": \"object\", \"properties\": {\"a\": {\"type\": \"string\"}}}}\n}\n")
	if err := os.WriteFile(file, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	fetched := 0
	fetch := func(_ context.Context, u string) ([]byte, error) {
		fetched++
		if u != "https://schemas.example/identity.json" {
			return nil, errors.New("unexpected url " + u)
		}
		return raw, nil
	}
	srcs := []SchemaSource{
		{ID: "relative", URL: "file://./identity.schema.json"},
		{ID: "absolute", URL: "file://" + file},
		{ID: "std64", URL: "base64://" + base64.StdEncoding.EncodeToString(raw)},
		{ID: "url64", URL: "base64://" + base64.RawURLEncoding.EncodeToString(raw)},
		{ID: "remote", URL: "https://schemas.example/identity.json"},
		{ID: "preset://email", URL: "file://identity.schema.json"},
	}
	s, err := LoadSchemas(context.Background(), srcs, "relative", fetch)
	if err != nil {
		t.Fatalf("LoadSchemas: %v", err)
	}
	if fetched != 1 {
		t.Errorf("fetch called %d times, want 1", fetched)
	}
	list := s.List()
	if len(list) != len(srcs) {
		t.Fatalf("List has %d schemas, want %d", len(list), len(srcs))
	}
	for n, sch := range list {
		if sch.ID != srcs[n].ID || sch.URL != srcs[n].URL {
			t.Errorf("List()[%d] = %s %s, want config order %s", n, sch.ID, sch.URL, srcs[n].ID)
		}
		if !bytes.Equal(sch.Raw, raw) {
			t.Errorf("schema %s: Raw is not the exact file bytes", sch.ID)
		}
	}
	if s.DefaultID() != "relative" {
		t.Errorf("DefaultID = %q", s.DefaultID())
	}
}

func TestLoadSchemasErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name      string
		srcs      []SchemaSource
		defaultID string
		want      []string // substrings of the error
	}{
		{"none", nil, "", []string{"at least one schema"}},
		{"missing file", []SchemaSource{{ID: "default", URL: "file://" + filepath.Join(dir, "nope.json")}}, "",
			[]string{`schema "default"`, "nope.json", "no such file"}},
		{"directory", []SchemaSource{{ID: "default", URL: "file://" + dir}}, "", []string{"is a directory"}},
		{"scheme", []SchemaSource{{ID: "default", URL: "ftp://x/y.json"}}, "", []string{"unsupported URL scheme"}},
		{"http without fetcher", []SchemaSource{{ID: "default", URL: "https://x/y.json"}}, "", []string{"fetcher"}},
		{"bad base64", []SchemaSource{{ID: "default", URL: "base64://!!!"}}, "", []string{"base64"}},
		{"not json", []SchemaSource{{ID: "default", URL: b64(`{`)}}, "", []string{"parse JSON"}},
		{"no traits", []SchemaSource{{ID: "default", URL: b64(`{"properties":{}}`)}}, "", []string{"properties.traits"}},
		{"traits not object", []SchemaSource{{ID: "default", URL: b64(`{"properties":{"traits":{"type":"string"}}}`)}}, "",
			[]string{`"properties.traits.type" must be "object"`}},
		{"traits without properties", []SchemaSource{{ID: "default", URL: b64(`{"properties":{"traits":{"type":"object","properties":{}}}}`)}}, "",
			[]string{"at least one property"}},
		{"duplicate id", []SchemaSource{{ID: "default", URL: b64(minimalSchema)}, {ID: "default", URL: b64(minimalSchema)}}, "",
			[]string{"used twice"}},
		{"empty id", []SchemaSource{{ID: "", URL: b64(minimalSchema)}}, "", []string{"id is empty"}},
		{"default missing", []SchemaSource{{ID: "a", URL: b64(minimalSchema)}}, "", []string{`"default"`, "default_schema_id"}},
		{"extension unknown key", []SchemaSource{{ID: "default", URL: b64(traitsSchema(
			`{"email":{"type":"string","ory.sh/kratos":{"credentials":{"password":{"identifier":true,"foo":1}}}}}`, ""))}}, "",
			[]string{"compile"}},
		{"extension wrong type", []SchemaSource{{ID: "default", URL: b64(traitsSchema(
			`{"email":{"type":"string","ory.sh/kratos":{"credentials":{"password":{"identifier":"yes"}}}}}`, ""))}}, "",
			[]string{"compile"}},
		{"extension bad via", []SchemaSource{{ID: "default", URL: b64(traitsSchema(
			`{"email":{"type":"string","ory.sh/kratos":{"recovery":{"via":"phone"}}}}`, ""))}}, "",
			[]string{"compile"}},
		{"extension nested unknown key", []SchemaSource{{ID: "default", URL: b64(traitsSchema(
			`{"name":{"type":"object","properties":{"first":{"type":"string","ory.sh/kratos":{"verification":{"via":"email","x":1}}}}}}`, ""))}}, "",
			[]string{"compile"}},
		{"remote ref", []SchemaSource{{ID: "default", URL: b64(traitsSchema(`{"email":{"$ref":"https://evil.example/x.json"}}`, ""))}}, "",
			[]string{"evil.example", "not supported"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fetch := func(context.Context, string) ([]byte, error) {
				t.Error("fetch must not be called")
				return nil, errors.New("no")
			}
			var f Fetcher
			if tt.name != "http without fetcher" {
				f = fetch
			}
			_, err := LoadSchemas(context.Background(), tt.srcs, tt.defaultID, f)
			if err == nil {
				t.Fatal("LoadSchemas succeeded, want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestLoadSchemasDrafts(t *testing.T) {
	ext := `"ory.sh/kratos":{"credentials":{"password":{"identifier":true}},"verification":{"via":"email"}}`
	for _, draft := range []string{
		"http://json-schema.org/draft-07/schema#",
		"https://json-schema.org/draft/2019-09/schema",
		"https://json-schema.org/draft/2020-12/schema",
	} {
		t.Run(draft, func(t *testing.T) {
			sch := mustSchema(t, `{"$schema":"`+draft+`","type":"object","properties":{"traits":{"type":"object",
				"properties":{"email":{"type":"string",`+ext+`}},"required":["email"]}}}`)
			ex, err := sch.Validate([]byte(`{"email":"A@Example.org"}`))
			if err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if len(ex.PasswordIdentifiers) != 1 || ex.PasswordIdentifiers[0] != "a@example.org" {
				t.Errorf("identifiers = %v", ex.PasswordIdentifiers)
			}
			// The extension's format check runs under every draft.
			_, err = sch.Validate([]byte(`{"email":"nope"}`))
			var verr *ValidationError
			if !errors.As(err, &verr) || verr.Causes[0].Message.Text != `"nope" is not valid "email"` {
				t.Errorf("Validate(nope) = %v", err)
			}
			// 2019+ only assert formats because Warden asks for it (Kratos does).
			sch2 := mustSchema(t, `{"$schema":"`+draft+`","properties":{"traits":{"type":"object",
				"properties":{"d":{"type":"string","format":"date"}}}}}`)
			if _, err := sch2.Validate([]byte(`{"d":"yesterday"}`)); err == nil {
				t.Error("format date not asserted")
			}
		})
	}
}

func TestSchemasLookup(t *testing.T) {
	s := mustLoad(t, schemaOpts{defaultID: "default"}.with("default", minimalSchema).with("preset://email", minimalSchema))
	tests := []struct {
		in   string
		want string
	}{
		{"default", "default"},
		{"ZGVmYXVsdA", "default"},
		{"ZGVmYXVsdA==", "default"},
		{"cHJlc2V0Oi8vZW1haWw", "preset://email"},
		{"preset://email", "preset://email"},
		{"cHJlc2V0Oi8vZW1haWw=", "preset://email"},
		{"does-not-exist", ""},
		{"ZG9lcy1ub3QtZXhpc3Q", ""},
	}
	for _, tt := range tests {
		sch, ok := s.Lookup(tt.in)
		got := ""
		if ok {
			got = sch.ID
		}
		if got != tt.want {
			t.Errorf("Lookup(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if _, ok := s.Get("ZGVmYXVsdA"); ok {
		t.Error("Get must not decode base64")
	}
}

func TestSchemaURL(t *testing.T) {
	tests := []struct {
		base, id, want string
	}{
		{"http://x", "default", "http://x/schemas/ZGVmYXVsdA"},
		{"http://x/", "default", "http://x/schemas/ZGVmYXVsdA"},
		{"https://x/kratos/", "employee", "https://x/kratos/schemas/ZW1wbG95ZWU"},
		{"http://x", "preset://email", "http://x/schemas/cHJlc2V0Oi8vZW1haWw"},
	}
	for _, tt := range tests {
		u, err := url.Parse(tt.base)
		if err != nil {
			t.Fatal(err)
		}
		if got := SchemaURL(u, tt.id); got != tt.want {
			t.Errorf("SchemaURL(%s, %s) = %s, want %s", tt.base, tt.id, got, tt.want)
		}
	}
	if got := SchemaURL(nil, "default"); got != "/schemas/ZGVmYXVsdA" {
		t.Errorf("SchemaURL(nil) = %s", got)
	}
}

func TestLoadSchemasCompat(t *testing.T) {
	s := mustCompat(t)
	sch, ok := s.Get("default")
	if !ok {
		t.Fatal("default schema missing")
	}
	raw, err := os.ReadFile(compatSchemaPath(t))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(sch.Raw, raw) {
		t.Error("Raw differs from the file")
	}
}
