package identity

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/warden-id/warden/internal/text"
)

// messageSchema exercises every validator text of settings-flow §10.3.
const messageSchema = `{
  "$schema": "http://json-schema.org/draft-07/schema#",
  "type": "object",
  "properties": {
    "traits": {
      "type": "object",
      "properties": {
        "email": {"type": "string", "format": "email", "minLength": 3,
          "ory.sh/kratos": {"credentials": {"password": {"identifier": true}}, "verification": {"via": "email"}}},
        "bar": {"type": "string"},
        "nick": {"type": "string", "minLength": 25, "maxLength": 30},
        "age": {"type": "integer", "minimum": 1200, "maximum": 5000},
        "score": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 10, "multipleOf": 0.5},
        "code": {"type": "string", "pattern": "^[a-z]+$"},
        "id": {"type": ["string", "integer"]},
        "color": {"enum": ["red", "green"]},
        "fixed": {"const": "x"},
        "tags": {"type": "array", "minItems": 1, "maxItems": 2, "uniqueItems": true, "items": {"type": "string"}},
        "name": {"type": "object", "properties": {"first": {"type": "string"}}, "required": ["first"]},
        "first name": {"type": "string"}
      },
      "required": ["email"],
      "additionalProperties": false
    }
  }
}`

func TestValidateMessages(t *testing.T) {
	sch := mustSchema(t, messageSchema)
	tests := []struct {
		name   string
		traits string
		want   []Cause // Path and Message.Context are compared too
	}{
		{"type", `{"email":"a@b.co","bar":123}`, []Cause{generic("#/traits/bar", "#/properties/traits/properties/bar/type", "expected string, but got number", "traits", "bar")}},
		{"type order as in the schema", `{"email":"a@b.co","id":true}`, []Cause{generic("#/traits/id", "#/properties/traits/properties/id/type", "expected string or integer, but got boolean", "traits", "id")}},
		{"minLength", `{"email":"a@b.co","nick":"123456789"}`, []Cause{generic("#/traits/nick", "#/properties/traits/properties/nick/minLength", "length must be >= 25, but got 9", "traits", "nick")}},
		{"maxLength counts characters", `{"email":"a@b.co","nick":"` + strings.Repeat("é", 31) + `"}`, []Cause{generic("#/traits/nick", "#/properties/traits/properties/nick/maxLength", "length must be <= 30, but got 31", "traits", "nick")}},
		{"minimum", `{"email":"a@b.co","age":1}`, []Cause{generic("#/traits/age", "#/properties/traits/properties/age/minimum", "must be >= 1200 but found 1", "traits", "age")}},
		{"maximum", `{"email":"a@b.co","age":5001}`, []Cause{generic("#/traits/age", "#/properties/traits/properties/age/maximum", "must be <= 5000 but found 5001", "traits", "age")}},
		{"integer", `{"email":"a@b.co","age":1.5}`, []Cause{generic("#/traits/age", "#/properties/traits/properties/age/type", "expected integer, but got number", "traits", "age")}},
		{"exclusiveMinimum", `{"email":"a@b.co","score":0}`, []Cause{generic("#/traits/score", "#/properties/traits/properties/score/exclusiveMinimum", "must be > 0 but found 0", "traits", "score")}},
		{"exclusiveMaximum", `{"email":"a@b.co","score":10}`, []Cause{generic("#/traits/score", "#/properties/traits/properties/score/exclusiveMaximum", "must be < 10 but found 10", "traits", "score")}},
		{"multipleOf", `{"email":"a@b.co","score":0.7}`, []Cause{generic("#/traits/score", "#/properties/traits/properties/score/multipleOf", "0.7 not multipleOf 0.5", "traits", "score")}},
		{"pattern", `{"email":"a@b.co","code":"A1"}`, []Cause{generic("#/traits/code", "#/properties/traits/properties/code/pattern", `does not match pattern "^[a-z]+$"`, "traits", "code")}},
		{"enum", `{"email":"a@b.co","color":"blue"}`, []Cause{generic("#/traits/color", "#/properties/traits/properties/color/enum", `value must be one of "red", "green"`, "traits", "color")}},
		{"const", `{"email":"a@b.co","fixed":"y"}`, []Cause{generic("#/traits/fixed", "#/properties/traits/properties/fixed/const", `value must be "x"`, "traits", "fixed")}},
		{"minItems", `{"email":"a@b.co","tags":[]}`, []Cause{generic("#/traits/tags", "#/properties/traits/properties/tags/minItems", "minimum 1 items allowed, but found 0 items", "traits", "tags")}},
		{"maxItems", `{"email":"a@b.co","tags":["a","b","c"]}`, []Cause{generic("#/traits/tags", "#/properties/traits/properties/tags/maxItems", "maximum 2 items allowed, but found 3 items", "traits", "tags")}},
		{"uniqueItems", `{"email":"a@b.co","tags":["a","a"]}`, []Cause{generic("#/traits/tags", "#/properties/traits/properties/tags/uniqueItems", "items at index 0 and 1 are equal", "traits", "tags")}},
		{"items", `{"email":"a@b.co","tags":[1]}`, []Cause{generic("#/traits/tags/0", "#/properties/traits/properties/tags/items/type", "expected string, but got number", "traits", "tags", "0")}},
		{"format", `{"email":"nope"}`, []Cause{generic("#/traits/email", "#/properties/traits/properties/email/format", `"nope" is not valid "email"`, "traits", "email")}},
		{"additionalProperties", `{"email":"a@b.co","department":"x","zz":1}`, []Cause{generic("#/traits", "#/properties/traits/additionalProperties", `additionalProperties "department", "zz" not allowed`, "traits")}},
		{"required", `{}`, []Cause{{InstancePtr: "#/traits/email", SchemaPtr: "#/properties/traits/required", Path: []string{"traits", "email"}, Message: text.NewValidationRequired("email")}}},
		{"nested required", `{"email":"a@b.co","name":{}}`, []Cause{{InstancePtr: "#/traits/name/first", SchemaPtr: "#/properties/traits/properties/name/required", Path: []string{"traits", "name", "first"}, Message: text.NewValidationRequired("first")}}},
		{"escaped pointer", `{"email":"a@b.co","first name":1}`, []Cause{generic("#/traits/first%20name", "#/properties/traits/properties/first%20name/type", "expected string, but got number", "traits", "first name")}},
		{"traits not an object", `[]`, []Cause{generic("#/traits", "#/properties/traits/type", "expected object, but got array", "traits")}},
		{"missing traits", ``, []Cause{generic("#/traits", "#/properties/traits/type", "expected object, but got null", "traits")}},
		{"several, sorted by location", `{"bar":1,"age":"x"}`, []Cause{
			generic("#/traits/age", "#/properties/traits/properties/age/type", "expected integer, but got string", "traits", "age"),
			generic("#/traits/bar", "#/properties/traits/properties/bar/type", "expected string, but got number", "traits", "bar"),
			{InstancePtr: "#/traits/email", SchemaPtr: "#/properties/traits/required", Path: []string{"traits", "email"}, Message: text.NewValidationRequired("email")},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := sch.Validate([]byte(tt.traits))
			var verr *ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("Validate = %v, want *ValidationError", err)
			}
			if diff := cmp.Diff(tt.want, verr.Causes); diff != "" {
				t.Errorf("causes (-want +got):\n%s", diff)
			}
		})
	}
}

func generic(inst, sch, msg string, path ...string) Cause {
	return Cause{InstancePtr: inst, SchemaPtr: sch, Path: path, Message: text.NewValidationGeneric(msg)}
}

func TestValidationErrorReason(t *testing.T) {
	sch := mustSchema(t, messageSchema)
	tests := []struct {
		traits, want string
	}{
		{`{"email":"a@b.co","bar":123}`, `I[#/traits/bar] S[#/properties/traits/properties/bar/type] expected string, but got number`},
		{`{"email":"a@b.co","department":"x"}`, `I[#/traits] S[#/properties/traits/additionalProperties] additionalProperties "department" not allowed`},
		{`{}`, `I[#/traits] S[#/properties/traits/required] missing properties: "email"`},
		{`{"bar":1}`, `I[#/traits/bar] S[#/properties/traits/properties/bar/type] expected string, but got number; I[#/traits] S[#/properties/traits/required] missing properties: "email"`},
	}
	for _, tt := range tests {
		_, err := sch.Validate([]byte(tt.traits))
		if err == nil || err.Error() != tt.want {
			t.Errorf("Validate(%s) error = %v\nwant %s", tt.traits, err, tt.want)
		}
	}
}

func TestValidateExtensionFormats(t *testing.T) {
	sch := mustSchema(t, traitsSchema(`{
		"email": {"type": "string", "ory.sh/kratos": {"verification": {"via": "email"}}},
		"backup": {"type": "string", "ory.sh/kratos": {"recovery": {"via": "email"}}},
		"phone": {"type": "string", "ory.sh/kratos": {"verification": {"via": "phone"}}},
		"n": {"ory.sh/kratos": {"verification": {"via": "email"}}}}`, ""))
	tests := []struct {
		traits string
		want   string // "" = valid
	}{
		{`{"email":"a@example.org","backup":"b@example.org","phone":"+49 (30) 1234-567"}`, ""},
		{`{"email":"not-an-email"}`, `"not-an-email" is not valid "email"`},
		{`{"backup":"x@"}`, `"x@" is not valid "email"`},
		{`{"phone":"030 1234567"}`, `"030 1234567" is not valid "tel"`},
		{`{"phone":"+1"}`, `"+1" is not valid "tel"`},
		{`{"n":12}`, ""}, // non-strings are the schema's business, not the extension's
	}
	for _, tt := range tests {
		_, err := sch.Validate([]byte(tt.traits))
		got := ""
		var verr *ValidationError
		if errors.As(err, &verr) {
			got = verr.Causes[0].Message.Text
		} else if err != nil {
			t.Fatalf("Validate(%s) = %v", tt.traits, err)
		}
		if got != tt.want {
			t.Errorf("Validate(%s) = %q, want %q", tt.traits, got, tt.want)
		}
	}
}

func TestCheckJSONShape(t *testing.T) {
	deep := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	tests := []struct {
		name string
		in   string
		want string // substring of the error, "" = accepted
	}{
		{"flat", `{"a":1,"b":[1,2,{"c":"d"}]}`, ""},
		{"depth 64", deep(64), ""},
		{"depth 65", deep(65), "nested deeper than 64"},
		{"brackets in strings do not count", `["` + strings.Repeat("[", 100) + `"]`, ""},
		{"escaped quote", `["\"[[[[", 1]`, ""},
		{"invalid utf-8", "{\"a\":\"\xff\"}", "UTF-8"},
		{"big exponent", `{"a":1e999999}`, "exponent"},
		{"negative exponent", `{"a":1E-5000}`, "exponent"},
		{"fine exponent", `{"a":1.5e+300}`, ""},
		{"long number", `{"a":` + strings.Repeat("9", 1001) + `}`, "longer than 1000"},
		{"digits in strings are not numbers", `{"a":"` + strings.Repeat("9", 5000) + `e99999999"}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckJSONShape([]byte(tt.in), MaxTraitsDepth)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("CheckJSONShape = %v, want nil", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("CheckJSONShape = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestValidateRefusesBadInput(t *testing.T) {
	sch := mustSchema(t, traitsSchema(`{"a":{}}`, ""))
	tests := []struct{ name, traits, want string }{
		{"too deep", `{"a":` + strings.Repeat("[", 70) + strings.Repeat("]", 70) + `}`, "nested deeper than 64"},
		{"invalid utf-8", "{\"a\":\"\xc3\x28\"}", "UTF-8"},
		{"syntax", `{"a":`, "not valid JSON"},
		{"trailing data", `{"a":1} {}`, "not valid JSON"},
		{"huge exponent", `{"a":[1e999999]}`, "exponent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := sch.Validate([]byte(tt.traits))
			var verr *ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("Validate = %v, want *ValidationError", err)
			}
			c := verr.Causes[0]
			if c.InstancePtr != "#/traits" || !strings.Contains(c.Message.Text, tt.want) || c.Message.ID != text.IDValidationGeneric {
				t.Errorf("cause = %+v, want #/traits with %q", c, tt.want)
			}
		})
	}
}
