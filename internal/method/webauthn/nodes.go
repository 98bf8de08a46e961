package webauthn

import (
	"github.com/warden-id/warden/internal/flow"
	"github.com/warden-id/warden/internal/text"
	"github.com/warden-id/warden/internal/ui"
)

// Node names (foundation §1.2, settings-flow §3.5).
const (
	loginTrigger      = "webauthn_login_trigger"
	loginInput        = "webauthn_login"
	registerTrigger   = "webauthn_register_trigger"
	registerInput     = "webauthn_register"
	registerName      = "webauthn_register_displayname"
	removeButton      = "webauthn_remove"
	identifierNode    = "identifier"
	browserLoginJS    = "window.__oryWebAuthnLogin"
	browserRegisterJS = "window.__oryWebAuthnRegistration"
)

// trigger is the button that starts a ceremony. In browser flows its
// onclick calls the script with the options and its value is "" (v0.10.1);
// in API flows (native apps, beyond Kratos) it has no onclick and its
// value is the options JSON, {"publicKey": {…}}, which the app hands to
// the platform's WebAuthn API.
func trigger(name string, t flow.Type, fn, options string, label text.Message) ui.Node {
	if t == flow.TypeAPI {
		return ui.NewInput(name, options, ui.GroupWebAuthn, ui.InputButton, ui.WithLabel(label))
	}
	n := ui.NewInput(name, "", ui.GroupWebAuthn, ui.InputButton, ui.WithLabel(label))
	n.Attributes.(*ui.InputAttributes).OnClick = fn + "(" + options + ")"
	return n
}

// ceremonyNodes are the trigger, the hidden result input and, for
// browsers, the script node.
func (m *Method) ceremonyNodes(t flow.Type, triggerName, fn, options string, label text.Message, input string) []ui.Node {
	nodes := []ui.Node{
		trigger(triggerName, t, fn, options, label),
		ui.NewInput(input, "", ui.GroupWebAuthn, ui.InputHidden),
	}
	if t == flow.TypeBrowser {
		nodes = append(nodes, m.script.node(m.o.ScriptURL))
	}
	return nodes
}

// removeNode is a key's webauthn_remove button.
func removeNode(c Credential) ui.Node {
	return ui.NewInput(removeButton, c.HexID(), ui.GroupWebAuthn, ui.InputSubmit,
		ui.WithLabel(text.NewSettingsWebAuthnRemove(c.name(), c.AddedAt)))
}
