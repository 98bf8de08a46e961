package ui

import (
	"encoding/json"
	"fmt"

	"github.com/warden-id/warden/internal/text"
)

// Group is a node's group. Wire values.
type Group string

const (
	GroupDefault      Group = "default"
	GroupPassword     Group = "password"
	GroupProfile      Group = "profile"
	GroupOIDC         Group = "oidc"
	GroupLink         Group = "link"
	GroupTOTP         Group = "totp"
	GroupLookupSecret Group = "lookup_secret"
	GroupWebAuthn     Group = "webauthn"
)

// Node types (attributes.node_type). Wire values.
const (
	TypeInput  = "input"
	TypeText   = "text"
	TypeImage  = "img"
	TypeAnchor = "a"
	TypeScript = "script"
)

// Input types.
const (
	InputText     = "text"
	InputPassword = "password"
	InputNumber   = "number"
	InputCheckbox = "checkbox"
	InputHidden   = "hidden"
	InputEmail    = "email"
	InputSubmit   = "submit"
	InputButton   = "button"
	InputDateTime = "datetime-local"
	InputDate     = "date"
	InputURL      = "url"
)

// Meta is a node's meta object; {} when there is no label.
type Meta struct {
	Label *text.Message `json:"label,omitempty"`
}

// Node is one UI node. Attributes is one of *InputAttributes,
// *TextAttributes, *ImageAttributes, *AnchorAttributes, *ScriptAttributes.
type Node struct {
	Type       string         `json:"type"`
	Group      Group          `json:"group"`
	Attributes Attributes     `json:"attributes"`
	Messages   []text.Message `json:"messages"`
	Meta       Meta           `json:"meta"`
}

// Attributes is implemented by the five attribute types.
type Attributes interface {
	// ID is the node's id: name for inputs, id for the others.
	ID() string
	nodeType() string
}

// InputAttributes of an input node. Field order is Kratos's.
type InputAttributes struct {
	Name     string        `json:"name"`
	Type     string        `json:"type"`
	Value    any           `json:"value,omitempty"` // "" is kept: only nil is omitted
	Required bool          `json:"required,omitempty"`
	Label    *text.Message `json:"label,omitempty"`
	Pattern  string        `json:"pattern,omitempty"`
	Disabled bool          `json:"disabled"`
	OnClick  string        `json:"onclick,omitempty"`
	NodeType string        `json:"node_type"`
}

// TextAttributes of a text node.
type TextAttributes struct {
	Text     text.Message `json:"text"`
	IDValue  string       `json:"id"`
	NodeType string       `json:"node_type"`
}

// ImageAttributes of an img node.
type ImageAttributes struct {
	Src      string `json:"src"`
	IDValue  string `json:"id"`
	Width    int    `json:"width"`
	Height   int    `json:"height"`
	NodeType string `json:"node_type"`
}

// AnchorAttributes of an a node.
type AnchorAttributes struct {
	Href     string       `json:"href"`
	Title    text.Message `json:"title"`
	IDValue  string       `json:"id"`
	NodeType string       `json:"node_type"`
}

// ScriptAttributes of a script node.
type ScriptAttributes struct {
	Src            string `json:"src"`
	Async          bool   `json:"async"`
	ReferrerPolicy string `json:"referrerpolicy"`
	CrossOrigin    string `json:"crossorigin"`
	Integrity      string `json:"integrity"`
	Type           string `json:"type"`
	IDValue        string `json:"id"`
	Nonce          string `json:"nonce"`
	NodeType       string `json:"node_type"`
}

func (a *InputAttributes) ID() string        { return a.Name }
func (a *TextAttributes) ID() string         { return a.IDValue }
func (a *ImageAttributes) ID() string        { return a.IDValue }
func (a *AnchorAttributes) ID() string       { return a.IDValue }
func (a *ScriptAttributes) ID() string       { return a.IDValue }
func (a *InputAttributes) nodeType() string  { return TypeInput }
func (a *TextAttributes) nodeType() string   { return TypeText }
func (a *ImageAttributes) nodeType() string  { return TypeImage }
func (a *AnchorAttributes) nodeType() string { return TypeAnchor }
func (a *ScriptAttributes) nodeType() string { return TypeScript }

// NewInput builds an input node. Messages start empty ([] on the wire).
func NewInput(name string, value any, group Group, inputType string, opts ...InputOption) Node {
	a := &InputAttributes{Name: name, Type: inputType, Value: value, NodeType: TypeInput}
	n := Node{Type: TypeInput, Group: group, Attributes: a, Messages: []text.Message{}}
	for _, o := range opts {
		o(&n, a)
	}
	return n
}

// InputOption adjusts an input node.
type InputOption func(*Node, *InputAttributes)

// Required marks the input required.
func Required() InputOption { return func(_ *Node, a *InputAttributes) { a.Required = true } }

// WithLabel sets meta.label.
func WithLabel(m text.Message) InputOption {
	return func(n *Node, _ *InputAttributes) { n.Meta.Label = &m }
}

// WithPattern sets the pattern attribute.
func WithPattern(p string) InputOption { return func(_ *Node, a *InputAttributes) { a.Pattern = p } }

// NewText builds a text node.
func NewText(id string, t text.Message, group Group) Node {
	return Node{Type: TypeText, Group: group, Messages: []text.Message{},
		Attributes: &TextAttributes{Text: t, IDValue: id, NodeType: TypeText}}
}

// NewImage builds an img node.
func NewImage(id, src string, width, height int, group Group, label *text.Message) Node {
	return Node{Type: TypeImage, Group: group, Messages: []text.Message{}, Meta: Meta{Label: label},
		Attributes: &ImageAttributes{Src: src, IDValue: id, Width: width, Height: height, NodeType: TypeImage}}
}

// NewScript builds a script node.
func NewScript(id, src string, group Group, integrity, nonce string) Node {
	return Node{Type: TypeScript, Group: group, Messages: []text.Message{},
		Attributes: &ScriptAttributes{Src: src, Async: true, ReferrerPolicy: "no-referrer", CrossOrigin: "anonymous",
			Integrity: integrity, Type: "text/javascript", IDValue: id, Nonce: nonce, NodeType: TypeScript}}
}

// UnmarshalJSON reads a node back (flows are stored as JSON), choosing the
// attribute type by attributes.node_type.
func (n *Node) UnmarshalJSON(b []byte) error {
	var raw struct {
		Type       string          `json:"type"`
		Group      Group           `json:"group"`
		Attributes json.RawMessage `json:"attributes"`
		Messages   []text.Message  `json:"messages"`
		Meta       Meta            `json:"meta"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	var probe struct {
		NodeType string `json:"node_type"`
	}
	if err := json.Unmarshal(raw.Attributes, &probe); err != nil {
		return fmt.Errorf("ui: node attributes: %w", err)
	}
	var a Attributes
	switch probe.NodeType {
	case TypeInput:
		a = &InputAttributes{}
	case TypeText:
		a = &TextAttributes{}
	case TypeImage:
		a = &ImageAttributes{}
	case TypeAnchor:
		a = &AnchorAttributes{}
	case TypeScript:
		a = &ScriptAttributes{}
	default:
		return fmt.Errorf("ui: unknown node_type %q", probe.NodeType)
	}
	if err := json.Unmarshal(raw.Attributes, a); err != nil {
		return fmt.Errorf("ui: %s attributes: %w", probe.NodeType, err)
	}
	if raw.Messages == nil {
		raw.Messages = []text.Message{}
	}
	*n = Node{Type: raw.Type, Group: raw.Group, Attributes: a, Messages: raw.Messages, Meta: raw.Meta}
	return nil
}
