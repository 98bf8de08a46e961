package identity

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math/big"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/warden-id/warden/internal/text"
)

// ValidationError lists why traits do not match their schema. Causes are
// sorted by instance location, then schema location, and deduplicated.
type ValidationError struct {
	Causes []Cause
}

// Cause is one violation. InstancePtr and SchemaPtr are JSON pointers in
// Kratos's form ("#/traits/email", "#/properties/traits/properties/email/format").
// Path is the instance location unescaped (["traits", "email"]), which is
// what flows need to put the message on the right UI node ("traits.email").
// Message is 4000002 ("Property email is missing.") for a missing required
// property, whose pointers name the property itself, and 4000001 carrying
// the validator's text otherwise.
type Cause struct {
	InstancePtr string
	SchemaPtr   string
	Path        []string
	Message     text.Message
}

// maxReasonCauses bounds the 400 reason; the Causes list stays complete.
const maxReasonCauses = 10

// Error is the admin API's 400 reason in Kratos's format,
// `I[#/traits/bar] S[#/properties/traits/properties/bar/type] expected string, but got number`.
// Kratos shows only the first leaf; Warden shows up to ten, joined by "; ".
func (e *ValidationError) Error() string {
	if len(e.Causes) == 0 {
		return "the traits are invalid"
	}
	parts := make([]string, 0, min(len(e.Causes), maxReasonCauses)+1)
	for i, c := range e.Causes {
		if i == maxReasonCauses {
			parts = append(parts, fmt.Sprintf("and %d more", len(e.Causes)-i))
			break
		}
		parts = append(parts, c.reason())
	}
	return strings.Join(parts, "; ")
}

// reason renders one cause as ory/jsonschema does. A missing property is
// reported on its parent object there (`missing properties: "email"`).
func (c Cause) reason() string {
	if c.Message.ID == text.IDValidationRequired {
		parent := c.InstancePtr
		if i := strings.LastIndexByte(parent, '/'); i >= 0 {
			parent = parent[:i]
		}
		name, _ := c.Message.Context["property"].(string)
		return fmt.Sprintf("I[%s] S[%s] missing properties: %s", parent, c.SchemaPtr, strconv.Quote(name))
	}
	return fmt.Sprintf("I[%s] S[%s] %s", c.InstancePtr, c.SchemaPtr, c.Message.Text)
}

// mapValidationError flattens the library's error tree into Kratos causes.
func (s *Schema) mapValidationError(verr *jsonschema.ValidationError, doc any) *ValidationError {
	m := errorMapper{s: s, doc: doc}
	m.collect(verr)
	slices.SortStableFunc(m.out, func(a, b Cause) int {
		return cmp.Or(strings.Compare(a.InstancePtr, b.InstancePtr), strings.Compare(a.SchemaPtr, b.SchemaPtr),
			strings.Compare(a.Message.Text, b.Message.Text))
	})
	m.out = slices.CompactFunc(m.out, func(a, b Cause) bool {
		return a.InstancePtr == b.InstancePtr && a.SchemaPtr == b.SchemaPtr && a.Message.Text == b.Message.Text
	})
	if len(m.out) == 0 {
		m.out = []Cause{{InstancePtr: "#", SchemaPtr: "#", Message: text.NewValidationGeneric("validation failed")}}
	}
	return &ValidationError{Causes: m.out}
}

type errorMapper struct {
	s   *Schema
	doc any
	out []Cause
}

func (m *errorMapper) add(e *jsonschema.ValidationError, path []string, msg text.Message) {
	m.out = append(m.out, Cause{
		InstancePtr: instancePointer(path),
		SchemaPtr:   m.keywordPointer(e),
		Path:        slices.Clone(path),
		Message:     msg,
	})
}

func (m *errorMapper) leaf(e *jsonschema.ValidationError, format string, args ...any) {
	m.add(e, e.InstanceLocation, text.NewValidationGeneric(fmt.Sprintf(format, args...)))
}

// collect descends through the wrappers ($ref, groups, allOf) to the leaves
// and words each leaf as ory/jsonschema v3 does (settings-flow §10.3).
func (m *errorMapper) collect(e *jsonschema.ValidationError) {
	switch k := e.ErrorKind.(type) {
	case *kind.Schema, *kind.Group, *kind.Reference, *kind.AllOf:
		if len(e.Causes) == 0 {
			m.leaf(e, "validation failed")
		}
		for _, c := range e.Causes {
			m.collect(c)
		}
	case *kind.AnyOf:
		m.leaf(e, "anyOf failed")
	case *kind.OneOf:
		if len(k.Subschemas) == 2 {
			m.leaf(e, "valid against schemas at indexes %d and %d", k.Subschemas[0], k.Subschemas[1])
		} else {
			m.leaf(e, "oneOf failed")
		}
	case *kind.Not:
		m.leaf(e, "not failed")
	case *kind.FalseSchema:
		m.leaf(e, "always fail")
	case *kind.Type:
		m.leaf(e, "expected %s, but got %s", strings.Join(m.typeOrder(e, k.Want), " or "), k.Got)
	case *kind.Const:
		m.leaf(e, "%s", constMessage(k.Want))
	case *kind.Enum:
		m.leaf(e, "%s", enumMessage(k.Want))
	case *kind.Format:
		m.leaf(e, "%s is not valid %s", goQuote(k.Got), strconv.Quote(k.Want))
	case *kind.Required:
		for _, name := range k.Missing {
			path := append(slices.Clone(e.InstanceLocation), name)
			m.add(e, path, text.NewValidationRequired(name))
		}
	case *kind.Dependency:
		for _, name := range k.Missing {
			m.leaf(e, "property %s is required, if %s property exists", strconv.Quote(name), strconv.Quote(k.Prop))
		}
	case *kind.DependentRequired:
		for _, name := range k.Missing {
			m.leaf(e, "property %s is required, if %s property exists", strconv.Quote(name), strconv.Quote(k.Prop))
		}
	case *kind.AdditionalProperties:
		m.leaf(e, "additionalProperties %s not allowed", quoteNames(k.Properties))
	case *kind.PropertyNames:
		m.add(e, append(slices.Clone(e.InstanceLocation), k.Property),
			text.NewValidationGeneric(fmt.Sprintf("invalid propertyName %s", strconv.Quote(k.Property))))
	case *kind.MinProperties:
		m.leaf(e, "minimum %d properties allowed, but found %d properties", k.Want, k.Got)
	case *kind.MaxProperties:
		m.leaf(e, "maximum %d properties allowed, but found %d properties", k.Want, k.Got)
	case *kind.MinItems:
		m.leaf(e, "minimum %d items allowed, but found %d items", k.Want, k.Got)
	case *kind.MaxItems:
		m.leaf(e, "maximum %d items allowed, but found %d items", k.Want, k.Got)
	case *kind.AdditionalItems:
		n := 0
		if arr, ok := lookupInstance(m.doc, e.InstanceLocation).([]any); ok {
			n = len(arr)
		}
		m.leaf(e, "only %d items are allowed, but found %d items", n-k.Count, n)
	case *kind.UniqueItems:
		m.leaf(e, "items at index %d and %d are equal", k.Duplicates[0], k.Duplicates[1])
	case *kind.Contains:
		m.leaf(e, "contains failed")
	case *kind.MinLength:
		m.leaf(e, "length must be >= %d, but got %d", k.Want, k.Got)
	case *kind.MaxLength:
		m.leaf(e, "length must be <= %d, but got %d", k.Want, k.Got)
	case *kind.Pattern:
		m.leaf(e, "does not match pattern %s", strconv.Quote(k.Want))
	case *kind.Minimum:
		m.leaf(e, "must be >= %s but found %s", ratString(k.Want), m.numberAt(e, k.Got))
	case *kind.ExclusiveMinimum:
		m.leaf(e, "must be > %s but found %s", ratString(k.Want), m.numberAt(e, k.Got))
	case *kind.Maximum:
		m.leaf(e, "must be <= %s but found %s", ratString(k.Want), m.numberAt(e, k.Got))
	case *kind.ExclusiveMaximum:
		m.leaf(e, "must be < %s but found %s", ratString(k.Want), m.numberAt(e, k.Got))
	case *kind.MultipleOf:
		m.leaf(e, "%s not multipleOf %s", m.numberAt(e, k.Got), ratString(k.Want))
	default:
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				m.collect(c)
			}
			return
		}
		m.leaf(e, "%s", e.ErrorKind.LocalizedString(message.NewPrinter(language.English)))
	}
}

// keywordPointer is "#<schema location>/<keyword>", e.g.
// "#/properties/traits/properties/bar/type".
func (m *errorMapper) keywordPointer(e *jsonschema.ValidationError) string {
	p := "#" + locationFragment(e.SchemaURL)
	for _, tok := range e.ErrorKind.KeywordPath() {
		p += "/" + escapePointerToken(tok)
	}
	return p
}

// typeOrder returns the allowed types in the schema's own order (the
// library keeps them as a bit set), as Kratos prints them.
func (m *errorMapper) typeOrder(e *jsonschema.ValidationError, want []string) []string {
	switch t := lookupPointer(m.s.doc, locationPointer(e.SchemaURL)+"/type").(type) {
	case string:
		return []string{t}
	case []any:
		out := make([]string, 0, len(t))
		for _, v := range t {
			if s, ok := v.(string); ok {
				out = append(out, s)
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	return want
}

// numberAt prints the instance's number as sent (ory prints the JSON
// literal), falling back to the library's rational.
func (m *errorMapper) numberAt(e *jsonschema.ValidationError, got *big.Rat) string {
	if n, ok := lookupInstance(m.doc, e.InstanceLocation).(json.Number); ok {
		return n.String()
	}
	return ratString(got)
}

// ratString prints a schema bound as ory/jsonschema's %v of a big.Float.
func ratString(r *big.Rat) string {
	if r == nil {
		return "?"
	}
	return new(big.Float).SetPrec(64).SetRat(r).Text('g', -1)
}

// instancePointer escapes like ory/jsonschema: RFC 6901, then URL path
// escaping ("#/traits/first%20name").
func instancePointer(path []string) string {
	var b strings.Builder
	b.WriteByte('#')
	for _, tok := range path {
		b.WriteByte('/')
		b.WriteString(url.PathEscape(escapePointerToken(tok)))
	}
	return b.String()
}

// quoteNames renders `"a", "b"` sorted, at most eight names (a body with
// 100k unknown keys must not produce a megabyte reason).
func quoteNames(names []string) string {
	sorted := slices.Clone(names)
	slices.Sort(sorted)
	const limit = 8
	var parts []string
	for i, n := range sorted {
		if i == limit {
			parts = append(parts, fmt.Sprintf("and %d more", len(sorted)-limit))
			break
		}
		parts = append(parts, strconv.Quote(n))
	}
	return strings.Join(parts, ", ")
}

// goQuote is Go's %q of a JSON value as ory prints format failures.
func goQuote(v any) string {
	switch v := v.(type) {
	case string:
		return strconv.Quote(v)
	case json.Number:
		return strconv.Quote(v.String())
	default:
		return fmt.Sprintf("%q", fmt.Sprint(v))
	}
}

// constMessage and enumMessage follow ory/jsonschema: %#v of primitives
// (strings and, since numbers are json.Number, numbers too are quoted).
func constMessage(want any) string {
	switch want.(type) {
	case map[string]any, []any:
		return "const failed"
	}
	return "value must be " + goSyntax(want)
}

func enumMessage(want []any) string {
	items := make([]string, 0, len(want))
	for _, v := range want {
		switch v.(type) {
		case map[string]any, []any:
			return "enum failed"
		}
		items = append(items, goSyntax(v))
	}
	if len(items) == 1 {
		return "value must be " + items[0]
	}
	return "value must be one of " + strings.Join(items, ", ")
}

func goSyntax(v any) string {
	switch v := v.(type) {
	case nil:
		return "<nil>"
	case string:
		return strconv.Quote(v)
	case json.Number:
		return strconv.Quote(v.String())
	default:
		return fmt.Sprint(v)
	}
}

// lookupInstance follows raw instance tokens.
func lookupInstance(doc any, path []string) any {
	cur := doc
	for _, tok := range path {
		switch c := cur.(type) {
		case map[string]any:
			cur = c[tok]
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(c) {
				return nil
			}
			cur = c[i]
		default:
			return nil
		}
	}
	return cur
}

// lookupPointer follows an escaped JSON pointer ("/properties/a~1b").
func lookupPointer(doc any, ptr string) any {
	if ptr == "" {
		return doc
	}
	toks := strings.Split(strings.TrimPrefix(ptr, "/"), "/")
	for i, t := range toks {
		toks[i] = strings.ReplaceAll(strings.ReplaceAll(t, "~1", "/"), "~0", "~")
	}
	return lookupInstance(doc, toks)
}
