package identity

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// extensionKeyword is the schema keyword Kratos reads on trait properties.
const extensionKeyword = "ory.sh/kratos"

// extensionVocabURL names the vocabulary inside the compiler only.
const extensionVocabURL = "urn:warden:vocab:ory.sh-kratos"

// extensionValueSchema validates the keyword's value strictly
// (additionalProperties false at each level, foundation §5.2). Kratos v1
// also knows credentials.code, which is accepted so that v1 schemas load,
// and ignored: Warden has no code method. v1 spells verification via phone
// "sms"; both are accepted.
const extensionValueSchema = `{
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "credentials": {
      "type": "object",
      "additionalProperties": false,
      "properties": {
        "password": {"type": "object", "additionalProperties": false, "properties": {"identifier": {"type": "boolean"}}},
        "webauthn": {"type": "object", "additionalProperties": false, "properties": {"identifier": {"type": "boolean"}}},
        "totp": {"type": "object", "additionalProperties": false, "properties": {"account_name": {"type": "boolean"}}},
        "code": {"type": "object", "additionalProperties": false, "properties": {
          "identifier": {"type": "boolean"}, "via": {"type": "string", "enum": ["email", "sms", "phone"]}}}
      }
    },
    "verification": {"type": "object", "additionalProperties": false, "properties": {"via": {"type": "string", "enum": ["email", "phone", "sms"]}}},
    "recovery": {"type": "object", "additionalProperties": false, "properties": {"via": {"type": "string", "enum": ["email"]}}}
  }
}`

// extensionConfig is the decoded keyword value of one property.
type extensionConfig struct {
	Credentials struct {
		Password struct {
			Identifier bool `json:"identifier"`
		} `json:"password"`
		WebAuthn struct {
			Identifier bool `json:"identifier"`
		} `json:"webauthn"`
		TOTP struct {
			AccountName bool `json:"account_name"`
		} `json:"totp"`
		Code struct {
			Identifier bool   `json:"identifier"`
			Via        string `json:"via"`
		} `json:"code"`
	} `json:"credentials"`
	Verification struct {
		Via string `json:"via"`
	} `json:"verification"`
	Recovery struct {
		Via string `json:"via"`
	} `json:"recovery"`
}

// verificationVia maps the configured via to an address type; v1 spells
// phone "sms".
func (c *extensionConfig) verificationVia() AddressVia {
	switch c.Verification.Via {
	case "email":
		return ViaEmail
	case "phone", "sms":
		return ViaPhone
	}
	return ""
}

func (c *extensionConfig) recoveryVia() AddressVia {
	if c.Recovery.Via == "email" {
		return ViaEmail
	}
	return ""
}

// newVocabulary builds the "ory.sh/kratos" vocabulary. Its Compile runs
// for every schema object the compiler compiles, nested ones included, and
// refuses a malformed keyword value there: the library applies a
// vocabulary's meta-schema to the document root only. The compiled form
// (kratosExt) checks the address formats during validation.
func newVocabulary() (*jsonschema.Vocabulary, error) {
	value, err := compileStandalone("urn:warden:vocab:ory.sh-kratos:value", extensionValueSchema)
	if err != nil {
		return nil, fmt.Errorf("identity: compile the %s value schema: %w", extensionKeyword, err)
	}
	meta, err := compileStandalone(extensionVocabURL, `{"properties": {"`+extensionKeyword+`": `+extensionValueSchema+`}}`)
	if err != nil {
		return nil, fmt.Errorf("identity: compile the %s meta-schema: %w", extensionKeyword, err)
	}
	email, err := compileStandalone("urn:warden:format:email", `{"type": "string", "format": "email"}`)
	if err != nil {
		return nil, fmt.Errorf("identity: compile the email format check: %w", err)
	}
	return &jsonschema.Vocabulary{
		URL:    extensionVocabURL,
		Schema: meta,
		Compile: func(ctx *jsonschema.CompilerContext, obj map[string]any) (jsonschema.SchemaExt, error) {
			v, ok := obj[extensionKeyword]
			if !ok {
				return nil, nil
			}
			cfg, err := decodeExtensionConfig(v, value)
			if err != nil {
				// Enqueue of the current location returns the schema being
				// compiled; only its location is read, to name the property.
				where := "#" + locationFragment(ctx.Enqueue(nil).Location)
				return nil, fmt.Errorf("%s: %w", where, err)
			}
			return &kratosExt{cfg: cfg, email: email}, nil
		},
	}, nil
}

func compileStandalone(loc, src string) (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(src))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft7)
	c.AssertFormat()
	c.RegisterFormat(kratosEmail)
	if err := c.AddResource(loc, doc); err != nil {
		return nil, err
	}
	return c.Compile(loc)
}

// decodeExtensionConfig validates the value against extensionValueSchema,
// then decodes it (strictly, as a second line of defence).
func decodeExtensionConfig(v any, valueSchema *jsonschema.Schema) (*extensionConfig, error) {
	if err := valueSchema.Validate(v); err != nil {
		var verr *jsonschema.ValidationError
		if errors.As(err, &verr) {
			return nil, fmt.Errorf("invalid %q value: %s", extensionKeyword, describeLeaves(verr))
		}
		return nil, fmt.Errorf("invalid %q value: %w", extensionKeyword, err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", extensionKeyword, err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var cfg extensionConfig
	if err := dec.Decode(&cfg); err != nil {
		return nil, fmt.Errorf("invalid %q value: %w", extensionKeyword, err)
	}
	return &cfg, nil
}

// describeLeaves words a keyword-value error for a startup message:
// "at /recovery/via: value must be 'email'".
func describeLeaves(e *jsonschema.ValidationError) string {
	if len(e.Causes) == 0 {
		p := message.NewPrinter(language.English)
		return fmt.Sprintf("at /%s: %s", strings.Join(e.InstanceLocation, "/"), e.ErrorKind.LocalizedString(p))
	}
	parts := make([]string, 0, len(e.Causes))
	for _, c := range e.Causes {
		parts = append(parts, describeLeaves(c))
	}
	return strings.Join(parts, "; ")
}

// kratosExt is the compiled keyword of one schema location.
type kratosExt struct {
	cfg   *extensionConfig
	email *jsonschema.Schema
}

var (
	errNotEmail = errors.New("not an email address")
	errNotTel   = errors.New("not an E.164 phone number")
)

// Validate checks the formats the extension implies, as Kratos's
// verification and recovery extensions do: an email address must pass the
// email format (`"x" is not valid "email"`), a phone number the tel format.
// Non-strings are left to the schema's own type rules.
func (e *kratosExt) Validate(ctx *jsonschema.ValidatorContext, v any) {
	s, ok := v.(string)
	if !ok {
		return
	}
	if e.cfg.verificationVia() == ViaEmail || e.cfg.recoveryVia() == ViaEmail {
		if e.email.Validate(s) != nil {
			ctx.AddError(&kind.Format{Got: s, Want: "email", Err: errNotEmail})
			return
		}
	}
	if e.cfg.verificationVia() == ViaPhone {
		if _, ok := normalizePhone(s); !ok {
			ctx.AddError(&kind.Format{Got: s, Want: "tel", Err: errNotTel})
		}
	}
}

// normalizePhone accepts an E.164-like number: a leading "+", then 7 to 15
// digits, optionally grouped by spaces, dashes, dots or parentheses. The
// normal form drops the separators, so that one number is one address.
func normalizePhone(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "+") || len(s) > 64 {
		return "", false
	}
	var b strings.Builder
	b.WriteByte('+')
	for _, r := range s[1:] {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')':
		default:
			return "", false
		}
	}
	out := b.String()
	digits := len(out) - 1
	if digits < 7 || digits > 15 || out[1] == '0' {
		return "", false
	}
	return out, true
}

// propertyOrder maps the JSON pointer of every object in the schema file
// that has a "properties" member to the member names in file order. The
// compiled schema keeps properties in a Go map; this restores the author's
// order for extraction (and anything else that shows traits in order).
func propertyOrder(raw []byte) (map[string][]string, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	out := make(map[string][]string)
	var walk func(ptr string, recordAt *string, depth int) error
	walk = func(ptr string, recordAt *string, depth int) error {
		if depth > 512 {
			return errors.New("the schema is nested too deeply")
		}
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		d, ok := tok.(json.Delim)
		if !ok {
			return nil
		}
		switch d {
		case '{':
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return err
				}
				key, _ := kt.(string)
				if recordAt != nil {
					out[*recordAt] = append(out[*recordAt], key)
				}
				var next *string
				if key == "properties" {
					parent := ptr
					next = &parent
				}
				if err := walk(ptr+"/"+escapePointerToken(key), next, depth+1); err != nil {
					return err
				}
			}
		case '[':
			for i := 0; dec.More(); i++ {
				if err := walk(fmt.Sprintf("%s/%d", ptr, i), nil, depth+1); err != nil {
					return err
				}
			}
		}
		_, err = dec.Token() // the closing delimiter
		return err
	}
	if err := walk("", nil, 0); err != nil {
		return nil, err
	}
	return out, nil
}

// escapePointerToken escapes a JSON Pointer token (RFC 6901), as the
// compiler does in schema locations.
func escapePointerToken(tok string) string {
	tok = strings.ReplaceAll(tok, "~", "~0")
	return strings.ReplaceAll(tok, "/", "~1")
}
