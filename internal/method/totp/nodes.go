package totp

import (
	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/text"
	"github.com/warden-id/warden/internal/ui"
)

// Settings node names (settings-flow §3.5).
const (
	qrNode     = "totp_qr"
	secretNode = "totp_secret_key"
	unlinkNode = "totp_unlink"
)

// unlinkNodes are the nodes of an identity with a device (§3.5).
func unlinkNodes() []ui.Node {
	return []ui.Node{ui.NewInput(unlinkNode, "true", ui.GroupTOTP, ui.InputSubmit, ui.Required(),
		ui.WithLabel(text.NewSettingsTOTPUnlink()))}
}

// setupNodes are the nodes that link a new device: the QR code, the secret
// as text, the code input and the submit button (§3.5).
func setupNodes(qr, secret string) []ui.Node {
	label := text.NewSettingsTOTPQRCode()
	secretText := ui.NewText(secretNode, text.NewSettingsTOTPSecret(secret), ui.GroupTOTP)
	secretLabel := text.NewSettingsTOTPSecretLabel()
	secretText.Meta.Label = &secretLabel
	return []ui.Node{
		ui.NewImage(qrNode, qr, qrSize, qrSize, ui.GroupTOTP, &label),
		secretText,
		ui.NewInput(codeNode, nil, ui.GroupTOTP, ui.InputText, ui.Required(), ui.WithLabel(text.NewNodeLabelVerifyCode())),
		ui.NewInput("method", string(identity.CredentialsTOTP), ui.GroupTOTP, ui.InputSubmit, ui.WithLabel(text.NewNodeLabelSave())),
	}
}

// pendingSecret is the secret a flow showed in its totp_secret_key node,
// "" when it shows none. The flow is the stored one, so the secret is the
// one this server generated for it, never a client's.
func pendingSecret(c *ui.Container) string {
	n := c.Find(secretNode)
	if n == nil {
		return ""
	}
	a, ok := n.Attributes.(*ui.TextAttributes)
	if !ok || a.Text.ID != text.IDSettingsTOTPSecret {
		return ""
	}
	if s, ok := a.Text.Context["secret"].(string); ok && s == a.Text.Text {
		return s
	}
	return ""
}
