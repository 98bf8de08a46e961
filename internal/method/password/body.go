package password

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/warden-id/warden/internal/flow"
	"github.com/warden-id/warden/internal/text"
	"github.com/warden-id/warden/internal/ui"
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

// convertFormTraits gives form-posted trait values their schema types, as
// Kratos's decoder does (settings §1.5): numbers parse as numbers (kept as
// strings when they do not, so the schema reports the type), booleans via
// strconv.ParseBool.
func convertFormTraits(traits map[string]any, fields []flow.TraitField) {
	for _, f := range fields {
		if f.InputType != ui.InputNumber && f.InputType != ui.InputCheckbox {
			continue
		}
		path := strings.Split(strings.TrimPrefix(f.Name, "traits."), ".")
		parent := traits
		for _, p := range path[:len(path)-1] {
			child, ok := parent[p].(map[string]any)
			if !ok {
				parent = nil
				break
			}
			parent = child
		}
		if parent == nil {
			continue
		}
		last := path[len(path)-1]
		s, ok := parent[last].(string)
		if !ok {
			continue
		}
		if f.InputType == ui.InputNumber {
			if _, err := strconv.ParseFloat(s, 64); err == nil {
				parent[last] = json.Number(s)
			}
			continue
		}
		if b, err := strconv.ParseBool(s); err == nil {
			parent[last] = b
		}
	}
}
