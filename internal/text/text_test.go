package text

import (
	"encoding/json"
	"testing"
)

func TestMessageContextOnTheWire(t *testing.T) {
	tests := []struct {
		name string
		m    Message
		want string
	}{
		{"label without context", Message{ID: 1070001, Text: "Password", Type: Info},
			`{"id":1070001,"text":"Password","type":"info"}`},
		{"error with empty context", NewDuplicateIdentifier(),
			`{"id":4000007,"text":"An account with the same identifier (email, phone, username, ...) exists already.","type":"error","context":{}}`},
		{"error with context", NewValidationRequired("email"),
			`{"id":4000002,"text":"Property email is missing.","type":"error","context":{"property":"email"}}`},
	}
	for _, tt := range tests {
		b, err := json.Marshal(tt.m)
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, b, tt.want)
		}
		var back Message
		if err := json.Unmarshal(b, &back); err != nil || back.ID != tt.m.ID {
			t.Errorf("%s: round trip: %v %+v", tt.name, err, back)
		}
	}
}
