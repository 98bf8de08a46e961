package text

import "time"

// Settings flow messages (settings-flow §10). Wire values: append only.
const (
	IDSettingsSaved       = 1050001
	IDNodeLabelSave       = 1070003
	IDSettingsNoStrategy  = 4010004
	IDSettingsFlowExpired = 4050001
)

// NewSettingsSaved is the flow message of a successful update (1050001).
// v0.10.1 types it "info" (v1 "success"); Warden keeps the baseline (D1).
func NewSettingsSaved() Message {
	return Message{ID: IDSettingsSaved, Text: "Your changes have been saved!", Type: Info}
}

// NewNodeLabelSave is the label of every settings method's submit button.
func NewNodeLabelSave() Message { return Message{ID: IDNodeLabelSave, Text: "Save", Type: Info} }

// NewSettingsNoStrategy is 4010004: no settings method answered the
// submission.
func NewSettingsNoStrategy() Message {
	return Message{ID: IDSettingsNoStrategy, Type: Error, Context: map[string]any{},
		Text: "Could not find a strategy to update your settings. Did you fill out the form correctly?"}
}

// NewSettingsFlowExpired is 4050001 on the replacement of an expired
// settings flow. The context carries the real expiry time (decision D11;
// v0.10.1 wrote now plus the elapsed time there, §13 Q10).
func NewSettingsFlowExpired(expiredAt, now time.Time) Message {
	return flowExpired(IDSettingsFlowExpired, "settings", expiredAt, now)
}
