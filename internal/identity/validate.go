package identity

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/warden-id/warden/internal/text"
)

// MaxTraitsDepth caps the nesting of traits. Real traits are a few levels
// deep; the cap keeps the recursive validator's work and stack bounded.
const MaxTraitsDepth = 64

// Limits on number literals. big.Rat parses "1e999999" into a
// million-digit integer (tens of milliseconds each), so a body full of them
// would cost minutes; no trait needs such numbers.
const (
	maxNumberLiteral  = 1000 // characters in one number
	maxNumberExponent = 1000 // |exponent| of one number
)

// CheckJSONShape refuses JSON that would make validation expensive or
// ambiguous, in one linear pass and before anything is decoded: invalid
// UTF-8 (encoding/json would silently replace it), nesting deeper than
// maxDepth, and numbers longer than 1000 characters or with an exponent
// beyond ±1000. It does not check the syntax otherwise; decoding does.
// Validate calls it with MaxTraitsDepth.
func CheckJSONShape(raw json.RawMessage, maxDepth int) error {
	if !utf8.Valid(raw) {
		return errors.New("the JSON is not valid UTF-8")
	}
	depth := 0
	for i := 0; i < len(raw); i++ {
		switch c := raw[i]; {
		case c == '"':
			// Skip the string; escapes cannot hide a quote from this loop.
			for i++; i < len(raw) && raw[i] != '"'; i++ {
				if raw[i] == '\\' {
					i++
				}
			}
		case c == '{' || c == '[':
			depth++
			if depth > maxDepth {
				return fmt.Errorf("the JSON is nested deeper than %d levels", maxDepth)
			}
		case c == '}' || c == ']':
			depth--
		case c == '-' || (c >= '0' && c <= '9'):
			end, err := checkNumber(raw, i)
			if err != nil {
				return err
			}
			i = end - 1
		}
	}
	return nil
}

// checkNumber scans the number literal starting at raw[start] and returns
// the index after it.
func checkNumber(raw []byte, start int) (int, error) {
	end := start
	exp, inExp, expDigits := 0, false, 0
	for ; end < len(raw); end++ {
		c := raw[end]
		switch {
		case c == 'e' || c == 'E':
			inExp = true
		case c >= '0' && c <= '9':
			if inExp {
				expDigits++
				if expDigits <= 6 {
					exp = exp*10 + int(c-'0')
				}
			}
		case c == '-' || c == '+' || c == '.':
		default:
			goto done
		}
	}
done:
	if end-start > maxNumberLiteral {
		return end, fmt.Errorf("a number in the JSON is longer than %d characters", maxNumberLiteral)
	}
	if expDigits > 6 || exp > maxNumberExponent {
		return end, fmt.Errorf("a number in the JSON has an exponent beyond %d", maxNumberExponent)
	}
	return end, nil
}

// Validate checks traits against the schema (as the document
// {"traits": <traits>}, so that locations read "#/traits/…" as in Kratos)
// and returns what the "ory.sh/kratos" extension derives from them.
//
// Every problem with the traits is a *ValidationError: schema violations,
// and also traits that are not JSON, not UTF-8, too deep or with absurd
// numbers (CheckJSONShape). Empty traits are validated as null, which the
// schema's "type": "object" refuses. Validate parses the traits once, is
// linear in their size, and is safe for concurrent use.
func (s *Schema) Validate(traits json.RawMessage) (Extracted, error) {
	if len(bytes.TrimSpace(traits)) == 0 {
		traits = json.RawMessage("null")
	}
	if err := CheckJSONShape(traits, MaxTraitsDepth); err != nil {
		return Extracted{}, inputError(err.Error())
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(traits))
	if err != nil {
		return Extracted{}, inputError("the traits are not valid JSON: " + err.Error())
	}
	doc := map[string]any{"traits": v}
	if err := s.compiled.Validate(doc); err != nil {
		var verr *jsonschema.ValidationError
		if !errors.As(err, &verr) {
			return Extracted{}, inputError(err.Error())
		}
		return Extracted{}, s.mapValidationError(verr, doc)
	}
	return s.extract(v), nil
}

// inputError is a ValidationError for traits that could not be validated at
// all. It sits on "#/traits" so that flows show it next to the form.
func inputError(reason string) *ValidationError {
	return &ValidationError{Causes: []Cause{{
		InstancePtr: "#/traits",
		SchemaPtr:   "#/properties/traits",
		Path:        []string{"traits"},
		Message:     text.NewValidationGeneric(reason),
	}}}
}
