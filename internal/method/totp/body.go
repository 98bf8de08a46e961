package totp

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"

	"github.com/warden-id/warden/internal/flow"
	"github.com/warden-id/warden/internal/text"
)

// codeField reads the string field key of a decoded body into fe, as
// Kratos's body schemas check it: a missing (or empty, the decoder drops
// it) field is 4000002 on the node, another JSON type the validator's
// "expected string" message, a string shorter than minLen its length
// message.
func codeField(fe *flow.FormError, body map[string]any, key string, minLen int) string {
	v, ok := body[key]
	if !ok || v == nil {
		fe.Add(key, text.NewValidationRequired(key))
		return ""
	}
	s, ok := v.(string)
	if !ok {
		fe.Add(key, text.NewValidationGeneric(fmt.Sprintf("expected string, but got %s", jsonType(v))))
		return ""
	}
	if s == "" {
		fe.Add(key, text.NewValidationRequired(key))
		return ""
	}
	if n := utf8.RuneCountInString(s); n < minLen {
		fe.Add(key, text.NewValidationGeneric(fmt.Sprintf("length must be >= %d, but got %d", minLen, n)))
		return ""
	}
	return s
}

// jsonType names a decoded value's JSON type as the validator does.
func jsonType(v any) string {
	switch v.(type) {
	case bool:
		return "boolean"
	case json.Number, float64, int, int64:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "null"
}
