package lookup

import (
	"encoding/json"
	"fmt"

	"github.com/warden-id/warden/internal/text"
)

// stringField reads a required string field of a decoded body as the
// body schema checks it: missing (or empty: the decoder drops empty
// strings) is 4000002, another JSON type the validator's message.
func stringField(body map[string]any, key string) (string, *text.Message) {
	v, ok := body[key]
	if !ok || v == nil {
		m := text.NewValidationRequired(key)
		return "", &m
	}
	s, ok := v.(string)
	if !ok {
		m := text.NewValidationGeneric(fmt.Sprintf("expected string, but got %s", jsonType(v)))
		return "", &m
	}
	if s == "" {
		m := text.NewValidationRequired(key)
		return "", &m
	}
	return s, nil
}

// boolField reads a flag of a settings body: true for a JSON true or a
// form value strconv.ParseBool accepts as true ("true", "1", …).
func boolField(body map[string]any, key string) bool {
	switch v := body[key].(type) {
	case bool:
		return v
	case string:
		switch v {
		case "1", "t", "T", "TRUE", "true", "True":
			return true
		}
	}
	return false
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
