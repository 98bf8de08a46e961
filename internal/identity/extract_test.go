package identity

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

const (
	extPW     = `"ory.sh/kratos":{"credentials":{"password":{"identifier":true}}}`
	extAll    = `"ory.sh/kratos":{"credentials":{"password":{"identifier":true},"webauthn":{"identifier":true},"totp":{"account_name":true}},"verification":{"via":"email"},"recovery":{"via":"email"}}`
	extVerify = `"ory.sh/kratos":{"verification":{"via":"email"}}`
)

func TestExtract(t *testing.T) {
	tests := []struct {
		name   string
		schema string
		traits string
		want   Extracted
	}{
		{
			name:   "compat-like email with every extension, lowercased",
			schema: traitsSchema(`{"email":{"type":"string","format":"email",`+extAll+`}}`, ""),
			traits: `{"email":"Foo@Example.ORG"}`,
			want: Extracted{
				PasswordIdentifiers: []string{"foo@example.org"}, WebAuthnIdentifiers: []string{"foo@example.org"},
				TOTPAccountName:     "Foo@Example.ORG",
				VerifiableAddresses: []Address{{ViaEmail, "foo@example.org"}}, RecoveryAddresses: []Address{{ViaEmail, "foo@example.org"}},
			},
		},
		{
			name:   "identifiers are trimmed",
			schema: traitsSchema(`{"u":{"type":"string",`+extPW+`}}`, ""),
			traits: `{"u":"  Jane.Doe\t"}`,
			want:   Extracted{PasswordIdentifiers: []string{"jane.doe"}},
		},
		{
			name:   "schema order, not request order; duplicates dropped",
			schema: traitsSchema(`{"zeta":{"type":"string",`+extPW+`},"alpha":{"type":"string",`+extPW+`},"mid":{"type":"string",`+extPW+`}}`, ""),
			traits: `{"alpha":"A","mid":"z","zeta":"Z"}`,
			want:   Extracted{PasswordIdentifiers: []string{"z", "a"}},
		},
		{
			name:   "nested properties",
			schema: traitsSchema(`{"contact":{"type":"object","properties":{"inner":{"type":"object","properties":{"mail":{"type":"string",`+extVerify+`}}}}}}`, ""),
			traits: `{"contact":{"inner":{"mail":"X@y.z"}}}`,
			want:   Extracted{VerifiableAddresses: []Address{{ViaEmail, "x@y.z"}}},
		},
		{
			name:   "array items, in index order",
			schema: traitsSchema(`{"emails":{"type":"array","items":{"type":"string",`+extVerify+`}}}`, ""),
			traits: `{"emails":["b@x.y","a@x.y","B@x.y"]}`,
			want:   Extracted{VerifiableAddresses: []Address{{ViaEmail, "b@x.y"}, {ViaEmail, "a@x.y"}}},
		},
		{
			name: "$ref to definitions",
			schema: `{"definitions":{"mail":{"type":"string",` + extPW + `}},
				"properties":{"traits":{"type":"object","properties":{"email":{"$ref":"#/definitions/mail"}}}}}`,
			traits: `{"email":"Ref@x.y"}`,
			want:   Extracted{PasswordIdentifiers: []string{"ref@x.y"}},
		},
		{
			name:   "allOf",
			schema: traitsSchema(`{"u":{"allOf":[{"type":"string"},{`+extPW+`}]}}`, ""),
			traits: `{"u":"user"}`,
			want:   Extracted{PasswordIdentifiers: []string{"user"}},
		},
		{
			name:   "only the anyOf branch that matches contributes",
			schema: traitsSchema(`{"u":{"anyOf":[{"type":"string","pattern":"@",`+extVerify+`},{"type":"string",`+extPW+`}]}}`, ""),
			traits: `{"u":"username"}`,
			want:   Extracted{PasswordIdentifiers: []string{"username"}},
		},
		{
			name:   "non-strings and empty strings are ignored",
			schema: traitsSchema(`{"n":{`+extPW+`},"e":{"type":"string",`+extPW+`}}`, ""),
			traits: `{"n":42,"e":"   "}`,
			want:   Extracted{},
		},
		{
			name:   "patternProperties and additionalProperties",
			schema: traitsSchema(`{"fixed":{"type":"string"}}`, `"patternProperties":{"^mail_":{"type":"string",`+extVerify+`}},"additionalProperties":{"type":"string",`+extPW+`}`),
			traits: `{"fixed":"no","mail_b":"b@x.y","mail_a":"a@x.y","other":"Login"}`,
			want:   Extracted{PasswordIdentifiers: []string{"login"}, VerifiableAddresses: []Address{{ViaEmail, "a@x.y"}, {ViaEmail, "b@x.y"}}},
		},
		{
			name: "recursive schema terminates",
			schema: `{"definitions":{"node":{"type":"object","properties":{"mail":{"type":"string",` + extVerify + `},"children":{"type":"array","items":{"$ref":"#/definitions/node"}}}}},
				"properties":{"traits":{"type":"object","properties":{"tree":{"$ref":"#/definitions/node"}}}}}`,
			traits: `{"tree":{"mail":"a@x.y","children":[{"mail":"b@x.y","children":[{"mail":"c@x.y"}]}]}}`,
			want:   Extracted{VerifiableAddresses: []Address{{ViaEmail, "a@x.y"}, {ViaEmail, "b@x.y"}, {ViaEmail, "c@x.y"}}},
		},
		{
			name: "2020-12: $ref siblings apply",
			schema: `{"$schema":"https://json-schema.org/draft/2020-12/schema","$defs":{"s":{"type":"string"}},
				"properties":{"traits":{"type":"object","properties":{"u":{"$ref":"#/$defs/s",` + extPW + `}}}}}`,
			traits: `{"u":"Me"}`,
			want:   Extracted{PasswordIdentifiers: []string{"me"}},
		},
		{
			name:   "phone numbers are normalised",
			schema: traitsSchema(`{"p":{"type":"string","ory.sh/kratos":{"verification":{"via":"sms"}}}}`, ""),
			traits: `{"p":" +1 (555) 010-9999 "}`,
			want:   Extracted{VerifiableAddresses: []Address{{ViaPhone, "+15550109999"}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sch := mustSchema(t, tt.schema)
			got, err := sch.Validate([]byte(tt.traits))
			if err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Extracted (-want +got):\n%s", diff)
			}
		})
	}
}

func TestExtractCompatSchema(t *testing.T) {
	s := mustCompat(t)
	sch, _ := s.Get("default")
	got, err := sch.Validate([]byte(`{"email":"Jane@Example.com","name":{"first":"Jane","last":"Doe"}}`))
	if err != nil {
		t.Fatalf("Validate: %v", err)
	}
	want := Extracted{
		PasswordIdentifiers: []string{"jane@example.com"}, WebAuthnIdentifiers: []string{"jane@example.com"},
		TOTPAccountName:     "Jane@Example.com",
		VerifiableAddresses: []Address{{ViaEmail, "jane@example.com"}}, RecoveryAddresses: []Address{{ViaEmail, "jane@example.com"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Extracted (-want +got):\n%s", diff)
	}
	_, err = sch.Validate([]byte(`{"email":"jane@example.com","department":"x"}`))
	if err == nil || err.Error() != `I[#/traits] S[#/properties/traits/additionalProperties] additionalProperties "department" not allowed` {
		t.Errorf("additional property: %v", err)
	}
}
