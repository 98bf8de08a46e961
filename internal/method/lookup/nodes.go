package lookup

import (
	"encoding/json"

	"github.com/warden-id/warden/internal/text"
	"github.com/warden-id/warden/internal/ui"
)

// Settings node names (settings-flow §3.5, §5.5).
const (
	revealNode     = "lookup_secret_reveal"
	regenerateNode = "lookup_secret_regenerate"
	confirmNode    = "lookup_secret_confirm"
	disableNode    = "lookup_secret_disable"
	codesNode      = "lookup_secret_codes"
)

// allNodes are every node the method may have put on a flow.
var allNodes = []string{revealNode, regenerateNode, confirmNode, disableNode, codesNode}

func button(name string, label text.Message) ui.Node {
	return ui.NewInput(name, "true", ui.GroupLookupSecret, ui.InputSubmit, ui.WithLabel(label))
}

func revealButton() ui.Node     { return button(revealNode, text.NewSettingsLookupReveal()) }
func regenerateButton() ui.Node { return button(regenerateNode, text.NewSettingsLookupRegenerate()) }
func confirmButton() ui.Node    { return button(confirmNode, text.NewSettingsLookupConfirm()) }
func disableButton() ui.Node    { return button(disableNode, text.NewSettingsLookupDisable()) }

// codesText is the lookup_secret_codes text node (1050015, label 1050010).
func codesText(shown []string, secrets []text.Message) ui.Node {
	n := ui.NewText(codesNode, text.NewSettingsLookupSecretList(shown, secrets), ui.GroupLookupSecret)
	label := text.NewSettingsLookupSecretsLabel()
	n.Meta.Label = &label
	return n
}

// newCodesText shows freshly generated codes.
func newCodesText(codes []string) ui.Node {
	msgs := make([]text.Message, len(codes))
	for k, c := range codes {
		msgs[k] = text.NewSettingsLookupSecret(c)
	}
	return codesText(codes, msgs)
}

// removeAll drops the method's nodes from c.
func removeAll(c *ui.Container) {
	for _, n := range allNodes {
		c.Remove(n)
	}
}

// regeneratedCodes are the codes a flow shows after "regenerate" and before
// "confirm": the lookup_secret_codes node's unmasked codes, when the flow
// also shows the confirm button. The flow is the stored one, so the codes
// are those this server generated for it. nil when there are none.
func regeneratedCodes(c *ui.Container) []string {
	if c.Find(confirmNode) == nil {
		return nil
	}
	n := c.Find(codesNode)
	if n == nil {
		return nil
	}
	a, ok := n.Attributes.(*ui.TextAttributes)
	if !ok || a.Text.ID != text.IDSettingsLookupSecretList {
		return nil
	}
	// In memory the list is []text.Message; read back from the store it is
	// plain JSON. One round trip reads both.
	raw, err := json.Marshal(a.Text.Context["secrets"])
	if err != nil {
		return nil
	}
	var msgs []text.Message
	if json.Unmarshal(raw, &msgs) != nil {
		return nil
	}
	codes := make([]string, 0, len(msgs))
	for _, m := range msgs {
		secret, _ := m.Context["secret"].(string)
		if m.ID != text.IDSettingsLookupSecret || m.Context["masked"] != nil || secret == "" || secret != m.Text {
			return nil
		}
		codes = append(codes, secret)
	}
	return codes
}
