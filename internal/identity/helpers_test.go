package identity

import (
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// compatSchemaPath is the shared compat schema (email identifier with every
// extension, optional name.first/name.last, additionalProperties false).
func compatSchemaPath(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("runtime.Caller failed")
	}
	// The repository keeps a copy of the shared compat files for its tests.
	p := filepath.Join(filepath.Dir(file), "..", "..", "test", "e2e", "testdata", "compat", "identity.schema.json")
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("compat schema: %v", err)
	}
	return p
}

// b64 turns an inline schema into a base64:// URL.
func b64(schema string) string {
	return "base64://" + base64.StdEncoding.EncodeToString([]byte(schema))
}

// schemaOpts describes a test schema set: inline schemas by id, in order.
type schemaOpts struct {
	ids       []string
	docs      []string
	defaultID string
}

func (o schemaOpts) with(id, doc string) schemaOpts {
	o.ids = append(append([]string(nil), o.ids...), id)
	o.docs = append(append([]string(nil), o.docs...), doc)
	return o
}

func mustLoad(t *testing.T, o schemaOpts) *Schemas {
	t.Helper()
	srcs := make([]SchemaSource, len(o.ids))
	for n := range o.ids {
		srcs[n] = SchemaSource{ID: o.ids[n], URL: b64(o.docs[n])}
	}
	s, err := LoadSchemas(context.Background(), srcs, o.defaultID, nil)
	if err != nil {
		t.Fatalf("LoadSchemas: %v", err)
	}
	return s
}

// mustSchema loads one inline schema as "default".
func mustSchema(t *testing.T, doc string) *Schema {
	t.Helper()
	s := mustLoad(t, schemaOpts{}.with("default", doc))
	sch, _ := s.Get("default")
	return sch
}

// mustCompat loads the compat schema as "default".
func mustCompat(t testing.TB) *Schemas {
	t.Helper()
	s, err := LoadSchemas(context.Background(), []SchemaSource{{ID: "default", URL: "file://" + compatSchemaPath(t)}}, "", nil)
	if err != nil {
		t.Fatalf("LoadSchemas(compat): %v", err)
	}
	return s
}

// traitsSchema wraps trait properties into a full identity schema.
func traitsSchema(props string, extra string) string {
	if extra != "" {
		extra = "," + extra
	}
	return `{"$schema":"http://json-schema.org/draft-07/schema#","type":"object","properties":{"traits":{"type":"object","properties":` + props + extra + `}}}`
}
