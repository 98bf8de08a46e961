package hook

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/warden-id/warden/internal/text"
)

// StatusError is a web_hook answered with status ≥ 400 (and, for a parsing
// hook, without a messages body). Its text is Kratos v0.10.1's.
type StatusError struct {
	StatusCode int
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("web hook failed with status code %d", e.StatusCode)
}

// InterruptError is a parsing web_hook's refusal (v1): the target answered
// ≥ 400 with {"messages":[{"instance_ptr":"#/traits/email","messages":[…]}]}.
// The flow shows the messages and answers like a validation error.
type InterruptError struct {
	StatusCode int
	Messages   []FieldMessages
}

func (e *InterruptError) Error() string {
	n := 0
	for _, m := range e.Messages {
		n += len(m.Messages)
	}
	return fmt.Sprintf("web hook interrupted the flow (status code %d, %d messages)", e.StatusCode, n)
}

// FieldMessages are the messages for one instance pointer.
type FieldMessages struct {
	// InstancePtr is the pointer as the hook sent it ("#/traits/email").
	InstancePtr string
	// Field is the node name it points to ("traits.email"); "" means the
	// messages are global (pointer "#/" or "").
	Field    string
	Messages []text.Message
}

// IdentityUpdate is what a parsing web_hook's 200 answer
// {"identity":{…}} asks to change before the identity is saved (v1). A nil
// field means "unchanged" (Kratos ignores empty values too); the raw JSON is
// the flow's to validate and apply.
type IdentityUpdate struct {
	Traits              json.RawMessage
	MetadataPublic      json.RawMessage
	MetadataAdmin       json.RawMessage
	VerifiableAddresses json.RawMessage
	RecoveryAddresses   json.RawMessage
	SchemaID            string
	State               string
}

// maxResponseBody bounds what is read from a hook's answer (Kratos: 5 MB).
const maxResponseBody = 5 << 20

// readResult turns a web_hook answer into the hook's outcome. Only a parsing
// hook looks at bodies: 200 may carry an identity update, ≥ 400 messages.
func readResult(resp *http.Response, parse bool) (*IdentityUpdate, error) {
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody))
	if err != nil && resp.StatusCode < http.StatusBadRequest {
		return nil, fmt.Errorf("hook: read web hook response: %w", err)
	}
	switch {
	case resp.StatusCode >= http.StatusBadRequest:
		if parse {
			if ie := parseMessages(body, resp.StatusCode); ie != nil {
				return nil, ie
			}
		}
		return nil, &StatusError{StatusCode: resp.StatusCode}
	case parse && resp.StatusCode == http.StatusOK:
		return parseIdentityUpdate(body)
	default:
		return nil, nil
	}
}

// parseMessages reads Kratos's hook error body; nil when there is none.
func parseMessages(body []byte, status int) *InterruptError {
	var raw struct {
		Messages []struct {
			InstancePtr string `json:"instance_ptr"`
			Messages    []struct {
				ID      int            `json:"id"`
				Text    string         `json:"text"`
				Type    string         `json:"type"`
				Context map[string]any `json:"context"`
			} `json:"messages"`
		} `json:"messages"`
	}
	if err := json.Unmarshal(body, &raw); err != nil || len(raw.Messages) == 0 {
		return nil
	}
	ie := &InterruptError{StatusCode: status}
	for _, m := range raw.Messages {
		fm := FieldMessages{InstancePtr: m.InstancePtr, Field: pointerToField(m.InstancePtr)}
		for _, d := range m.Messages {
			// Kratos maps "error" to error and every other type to info.
			typ := text.Info
			if d.Type == string(text.Error) {
				typ = text.Error
			}
			fm.Messages = append(fm.Messages, text.Message{ID: d.ID, Text: d.Text, Type: typ, Context: d.Context})
		}
		ie.Messages = append(ie.Messages, fm)
	}
	return ie
}

// pointerToField is Kratos's JSONPointerToDotNotation: "#/traits/email" →
// "traits.email", with ~1, ~0 and %-escapes undone; "#/" and "" are global.
func pointerToField(ptr string) string {
	p := strings.TrimPrefix(strings.TrimPrefix(ptr, "#"), "/")
	if p == "" {
		return ""
	}
	parts := strings.Split(p, "/")
	for i, s := range parts {
		s = strings.ReplaceAll(s, "~1", "/")
		s = strings.ReplaceAll(s, "~0", "~")
		if u, err := url.PathUnescape(s); err == nil {
			s = u
		}
		parts[i] = s
	}
	return strings.Join(parts, ".")
}

// parseIdentityUpdate reads {"identity":{…}}; an empty body or no identity
// is no update.
func parseIdentityUpdate(body []byte) (*IdentityUpdate, error) {
	if len(strings.TrimSpace(string(body))) == 0 {
		return nil, nil
	}
	var raw struct {
		Identity *struct {
			Traits              json.RawMessage `json:"traits"`
			MetadataPublic      json.RawMessage `json:"metadata_public"`
			MetadataAdmin       json.RawMessage `json:"metadata_admin"`
			VerifiableAddresses json.RawMessage `json:"verifiable_addresses"`
			RecoveryAddresses   json.RawMessage `json:"recovery_addresses"`
			SchemaID            string          `json:"schema_id"`
			State               string          `json:"state"`
		} `json:"identity"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, errors.New("hook: web hook response could not be parsed as JSON")
	}
	if raw.Identity == nil {
		return nil, nil
	}
	id := raw.Identity
	u := &IdentityUpdate{
		Traits:              present(id.Traits),
		MetadataPublic:      present(id.MetadataPublic),
		MetadataAdmin:       present(id.MetadataAdmin),
		VerifiableAddresses: present(id.VerifiableAddresses),
		RecoveryAddresses:   present(id.RecoveryAddresses),
		SchemaID:            id.SchemaID,
		State:               id.State,
	}
	if u.Traits == nil && u.MetadataPublic == nil && u.MetadataAdmin == nil && u.VerifiableAddresses == nil &&
		u.RecoveryAddresses == nil && u.SchemaID == "" && u.State == "" {
		return nil, nil
	}
	return u, nil
}

// present drops JSON null, which Kratos treats like an absent field.
func present(m json.RawMessage) json.RawMessage {
	if len(m) == 0 || string(m) == "null" {
		return nil
	}
	return m
}
