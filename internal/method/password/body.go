package password

import (
	"encoding/json"
	"fmt"

	"github.com/warden-id/warden/internal/flow"
	"github.com/warden-id/warden/internal/text"
)

// stringField reads a string field of a decoded body. A missing field is
// ("", false, nil); a field of another JSON type is a message in Kratos's
// validator wording ("expected string, but got number").
func stringField(body map[string]any, key string) (string, bool, *text.Message) {
	v, ok := body[key]
	if !ok || v == nil {
		return "", false, nil
	}
	s, ok := v.(string)
	if !ok {
		m := text.NewValidationGeneric(fmt.Sprintf("expected string, but got %s", jsonType(v)))
		return "", false, &m
	}
	return s, s != "", nil
}

// jsonType names a decoded value's JSON type as the validator does.
func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case json.Number, float64:
		return "number"
	case string:
		return "string"
	case []any, []string:
		return "array"
	case map[string]any:
		return "object"
	}
	return "unknown"
}

// requireString reads a required string field into fe: a missing one is
// 4000002 "Property <key> is missing." on the node, a mistyped one the
// validator's message.
func requireString(fe *flow.FormError, body map[string]any, key, node string) string {
	s, ok, bad := stringField(body, key)
	switch {
	case bad != nil:
		fe.Add(node, *bad)
	case !ok:
		fe.Add(node, text.NewValidationRequired(key))
	}
	return s
}

// convertFormTraits gives form-posted trait values their schema types
// (flow.ConvertFormTraits, settings §1.5).
func convertFormTraits(traits map[string]any, fields []flow.TraitField) {
	flow.ConvertFormTraits(traits, fields)
}
