package identity

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// These inputs break Kratos (ory/jsonschema without limits); Warden must
// answer them quickly, without panicking, with a bounded reason.

func manyKeys(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"email":"a@example.org"`)
	for i := range n {
		fmt.Fprintf(&b, `,"k%d":%d`, i, i)
	}
	b.WriteString("}")
	return []byte(b.String())
}

func TestValidateManyKeys(t *testing.T) {
	if testing.Short() {
		t.Skip("large input")
	}
	s := mustCompat(t)
	strict, _ := s.Get("default")
	open := mustSchema(t, traitsSchema(`{"email":{"type":"string",`+extPW+`}}`, ""))
	traits := manyKeys(100_000)

	start := time.Now()
	_, err := strict.Validate(traits)
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("100k keys took %v", elapsed)
	}
	var verr *ValidationError
	if !errors.As(err, &verr) || len(verr.Causes) != 1 {
		t.Fatalf("Validate = %v, want one additionalProperties cause", err)
	}
	if msg := verr.Causes[0].Message.Text; len(msg) > 200 || !strings.Contains(msg, "and 99992 more") {
		t.Errorf("message not bounded: %d bytes: %.200s", len(msg), msg)
	}

	ex, err := open.Validate(traits)
	if err != nil {
		t.Fatalf("open schema: %v", err)
	}
	if len(ex.PasswordIdentifiers) != 1 {
		t.Errorf("identifiers = %v", ex.PasswordIdentifiers)
	}
}

func TestValidateManyErrorsBoundedReason(t *testing.T) {
	sch := mustSchema(t, traitsSchema(`{"a":{"type":"string"}}`, `"additionalProperties":{"type":"string"}`))
	traits := manyKeys(20_000) // every k<i> is a number: 20k causes
	_, err := sch.Validate(traits)
	var verr *ValidationError
	if !errors.As(err, &verr) || len(verr.Causes) != 20_000 {
		t.Fatalf("want 20000 causes, got %v", err)
	}
	if r := verr.Error(); len(r) > 2000 || !strings.HasSuffix(r, "and 19990 more") {
		t.Errorf("reason not bounded (%d bytes): %.300s", len(r), r)
	}
}

func TestValidateDeepNesting(t *testing.T) {
	sch := mustSchema(t, traitsSchema(`{"a":{}}`, ""))
	for _, depth := range []int{65, 10_000, 1_000_000} {
		traits := `{"a":` + strings.Repeat(`{"b":`, depth) + `1` + strings.Repeat("}", depth) + `}`
		start := time.Now()
		_, err := sch.Validate([]byte(traits))
		if elapsed := time.Since(start); elapsed > 2*time.Second {
			t.Errorf("depth %d took %v", depth, elapsed)
		}
		if err == nil || !strings.Contains(err.Error(), "nested deeper than 64") {
			t.Errorf("depth %d: %v", depth, err)
		}
	}
	ok := `{"a":` + strings.Repeat(`[`, 62) + strings.Repeat("]", 62) + `}` // 64 with the two objects
	if _, err := sch.Validate([]byte(ok)); err != nil {
		t.Errorf("depth 64 refused: %v", err)
	}
}

func TestValidateHugeStrings(t *testing.T) {
	sch := mustSchema(t, traitsSchema(`{
		"email": {"type": "string", "format": "email", "maxLength": 320, `+extAll+`},
		"p": {"type": "string", "pattern": "^(a|aa)+$"},
		"u": {"type": "string", "format": "uri"},
		"free": {"type": "string", `+extPW+`}}`, ""))
	huge := strings.Repeat("a", 1<<20)
	for _, field := range []string{"email", "p", "u", "free"} {
		traits, err := json.Marshal(map[string]string{field: huge + "!"})
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		_, _ = sch.Validate(traits) // valid or not: it must return, and fast
		if elapsed := time.Since(start); elapsed > 10*time.Second {
			t.Errorf("1 MiB %s took %v", field, elapsed)
		}
	}
}

func TestValidateManyBigNumbers(t *testing.T) {
	sch := mustSchema(t, traitsSchema(`{"n":{"type":"array","items":{"type":"integer","minimum":0,"multipleOf":7}}}`, ""))
	nums := strings.TrimSuffix(strings.Repeat("1e1000,", 5000), ",")
	start := time.Now()
	_, _ = sch.Validate([]byte(`{"n":[` + nums + `]}`))
	if elapsed := time.Since(start); elapsed > 3*time.Second {
		t.Errorf("5000 numbers of 1000 digits took %v", elapsed)
	}
}

func FuzzValidate(f *testing.F) {
	for _, seed := range []string{
		`{"email":"a@b.co"}`, `{"email":"x","name":{"first":1}}`, `[]`, `null`, `{"email":"a@b.co","k":[1e5,{"x":"\u0000"}]}`,
		"{\"email\":\"\xff\"}", `{"a":` + strings.Repeat("[", 80), `{"email":"A@B.CO","name":{"last":"é"}}`, `1e999999`, `"`,
	} {
		f.Add([]byte(seed))
	}
	s, err := LoadSchemas(f.Context(), []SchemaSource{{ID: "default", URL: "file://" + compatSchemaPath(f)}}, "", nil)
	if err != nil {
		f.Fatalf("LoadSchemas: %v", err)
	}
	sch, _ := s.Get("default")
	f.Fuzz(func(t *testing.T, traits []byte) {
		ex, err := sch.Validate(traits)
		if err != nil {
			var verr *ValidationError
			if !errors.As(err, &verr) || len(verr.Causes) == 0 {
				t.Fatalf("error is not a *ValidationError with causes: %v", err)
			}
			_ = verr.Error()
			return
		}
		var obj map[string]any
		if json.Unmarshal(traits, &obj) != nil || obj == nil {
			t.Fatalf("accepted traits that are not a JSON object: %q", traits)
		}
		for _, id := range ex.PasswordIdentifiers {
			if id != strings.ToLower(strings.TrimSpace(id)) || id == "" {
				t.Fatalf("identifier not normalised: %q", id)
			}
		}
	})
}

func BenchmarkValidateCompat(b *testing.B) {
	s := mustCompat(b)
	sch, _ := s.Get("default")
	traits := []byte(`{"email":"jane@example.com","name":{"first":"Jane","last":"Doe"}}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := sch.Validate(traits); err != nil {
			b.Fatal(err)
		}
	}
}
