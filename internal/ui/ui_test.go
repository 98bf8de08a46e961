package ui

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/warden-id/warden/internal/text"
)

func TestNodeJSONRoundTrip(t *testing.T) {
	c := NewContainer("http://127.0.0.1:4433/self-service/settings?flow=x")
	c.Nodes = append(c.Nodes,
		NewInput("csrf_token", "", GroupDefault, InputHidden, Required()),
		NewInput("password", nil, GroupPassword, InputPassword, Required(), WithLabel(text.Message{ID: 1070001, Text: "Password", Type: text.Info})),
		NewText("totp_secret_key", text.Message{ID: 1050006, Text: "ABC", Type: text.Info}, GroupTOTP),
		NewImage("totp_qr", "data:image/png;base64,xx", 256, 256, GroupTOTP, nil),
		NewScript("webauthn_script", "http://x/.well-known/ory/webauthn.js", GroupWebAuthn, "sha512-x", "n"),
	)
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	// An empty string value is kept, a nil one omitted; messages are [] and meta {}.
	want := `{"action":"http://127.0.0.1:4433/self-service/settings?flow=x","method":"POST","nodes":[` +
		`{"type":"input","group":"default","attributes":{"name":"csrf_token","type":"hidden","value":"","required":true,"disabled":false,"node_type":"input"},"messages":[],"meta":{}},` +
		`{"type":"input","group":"password","attributes":{"name":"password","type":"password","required":true,"disabled":false,"node_type":"input"},"messages":[],"meta":{"label":{"id":1070001,"text":"Password","type":"info"}}},` +
		`{"type":"text","group":"totp","attributes":{"text":{"id":1050006,"text":"ABC","type":"info"},"id":"totp_secret_key","node_type":"text"},"messages":[],"meta":{}},` +
		`{"type":"img","group":"totp","attributes":{"src":"data:image/png;base64,xx","id":"totp_qr","width":256,"height":256,"node_type":"img"},"messages":[],"meta":{}},` +
		`{"type":"script","group":"webauthn","attributes":{"src":"http://x/.well-known/ory/webauthn.js","async":true,"referrerpolicy":"no-referrer","crossorigin":"anonymous","integrity":"sha512-x","type":"text/javascript","id":"webauthn_script","nonce":"n","node_type":"script"},"messages":[],"meta":{}}]}`
	if diff := cmp.Diff(want, string(b)); diff != "" {
		t.Fatalf("wire (-want +got):\n%s", diff)
	}
	var back Container
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	b2, err := json.Marshal(back)
	if err != nil {
		t.Fatal(err)
	}
	if string(b2) != string(b) {
		t.Fatalf("round trip changed the JSON:\n%s\n%s", b, b2)
	}
}

func TestUnmarshalRejectsUnknownNodeType(t *testing.T) {
	var n Node
	if err := json.Unmarshal([]byte(`{"type":"x","attributes":{"node_type":"x"}}`), &n); err == nil {
		t.Fatal("unknown node_type must be an error")
	}
}

func TestSort(t *testing.T) {
	c := NewContainer("a")
	c.Nodes = []Node{
		NewInput("method", "password", GroupPassword, InputSubmit),
		NewInput("password", nil, GroupPassword, InputPassword),
		NewInput("method", "profile", GroupProfile, InputSubmit),
		NewInput("traits.name.last", nil, GroupProfile, InputText),
		NewInput("traits.email", nil, GroupProfile, InputEmail),
		NewInput("csrf_token", "", GroupDefault, InputHidden),
	}
	c.Sort(SortOptions{
		Groups: []Group{GroupDefault, GroupProfile, GroupPassword},
		Keys:   []string{"traits.email", "traits.name", "password"},
	})
	var got []string
	for _, n := range c.Nodes {
		got = append(got, string(n.Group)+":"+n.Attributes.ID())
	}
	want := []string{"default:csrf_token", "profile:traits.email", "profile:traits.name.last", "profile:method",
		"password:password", "password:method"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("order (-want +got):\n%s", diff)
	}
}

func TestMessages(t *testing.T) {
	c := NewContainer("a")
	c.Nodes = []Node{NewInput("traits.email", "x", GroupProfile, InputEmail)}
	c.AddMessage("traits.email", text.NewValidationRequired("email"))
	c.AddMessage("", text.NewDuplicateIdentifier())
	c.AddMessage("traits.missing", text.NewValidationGeneric("boom")) // creates a carrier node
	if len(c.Find("traits.email").Messages) != 1 || len(c.Messages) != 1 || c.Find("traits.missing") == nil {
		t.Fatalf("messages not placed: %+v", c)
	}
	c.ResetMessages()
	if c.Messages != nil || len(c.Find("traits.email").Messages) != 0 {
		t.Fatal("ResetMessages must clear flow and node messages")
	}
}
