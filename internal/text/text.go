// Package text holds the UI message ids and texts that Kratos clients match on
// (spec settings §10, foundation Appendix A). Ids are wire values: append only,
// never renumber.
package text

import (
	"encoding/json"
	"fmt"
)

// Type is the message type on the wire.
type Type string

const (
	Info    Type = "info"
	Error   Type = "error"
	Success Type = "success"
)

// Message is Kratos's uiText. A nil Context is omitted on the wire; an
// empty one is written as {} — Kratos's error messages carry "context":{}
// while its labels carry no context at all, and clients see the difference.
type Message struct {
	ID      int            `json:"id"`
	Text    string         `json:"text"`
	Type    Type           `json:"type"`
	Context map[string]any `json:"context,omitempty"`
}

// MarshalJSON writes Context whenever it is non-nil, even when empty.
func (m Message) MarshalJSON() ([]byte, error) {
	type wire struct {
		ID      int             `json:"id"`
		Text    string          `json:"text"`
		Type    Type            `json:"type"`
		Context *map[string]any `json:"context,omitempty"`
	}
	w := wire{ID: m.ID, Text: m.Text, Type: m.Type}
	if m.Context != nil {
		w.Context = &m.Context
	}
	return json.Marshal(w)
}

// Validation messages (4000xxx).
const (
	IDValidationGeneric   = 4000001
	IDValidationRequired  = 4000002
	IDValidationMinLength = 4000003
	IDValidationFormat    = 4000004
	IDPasswordPolicy      = 4000005
	IDInvalidCredentials  = 4000006
	IDDuplicateIdentifier = 4000007
)

// NewValidationGeneric carries a validator's or a 400 error's text as-is.
func NewValidationGeneric(reason string) Message {
	return Message{ID: IDValidationGeneric, Text: reason, Type: Error, Context: map[string]any{}}
}

// NewValidationRequired is "Property <name> is missing.".
func NewValidationRequired(property string) Message {
	return Message{ID: IDValidationRequired, Text: fmt.Sprintf("Property %s is missing.", property), Type: Error,
		Context: map[string]any{"property": property}}
}

// NewPasswordPolicy is "The password can not be used because <reason>.".
func NewPasswordPolicy(reason string) Message {
	return Message{ID: IDPasswordPolicy, Text: fmt.Sprintf("The password can not be used because %s.", reason), Type: Error,
		Context: map[string]any{"reason": reason}}
}

// NewDuplicateIdentifier is 4000007.
func NewDuplicateIdentifier() Message {
	return Message{ID: IDDuplicateIdentifier, Text: "An account with the same identifier (email, phone, username, ...) exists already.", Type: Error, Context: map[string]any{}}
}
