package hook

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/warden-id/warden/internal/text"
)

const interruptBody = `{"messages":[
  {"instance_ptr":"#/traits/email","messages":[{"id":123,"text":"email is blocked","type":"error","context":{"value":"foo@example.com"}}]},
  {"instance_ptr":"#/","messages":[{"id":124,"text":"try later","type":"info"},{"id":125,"text":"odd type","type":"success"}]},
  {"instance_ptr":"","messages":[{"id":126,"text":"global too","type":"error","context":{}}]}
]}`

func TestWebHookParse(t *testing.T) {
	wantInterrupt := &InterruptError{StatusCode: 400, Messages: []FieldMessages{
		{InstancePtr: "#/traits/email", Field: "traits.email", Messages: []text.Message{
			{ID: 123, Text: "email is blocked", Type: text.Error, Context: map[string]any{"value": "foo@example.com"}}}},
		{InstancePtr: "#/", Field: "", Messages: []text.Message{
			{ID: 124, Text: "try later", Type: text.Info},
			{ID: 125, Text: "odd type", Type: text.Info}}},
		{InstancePtr: "", Field: "", Messages: []text.Message{
			{ID: 126, Text: "global too", Type: text.Error, Context: map[string]any{}}}},
	}}
	tests := []struct {
		name       string
		cfg        map[string]any
		status     int
		body       string
		wantErr    error // compared with cmp when an *InterruptError, else by type
		wantStatus int   // for *StatusError
		wantUpdate *IdentityUpdate
	}{
		{name: "parse, 400 with messages", cfg: map[string]any{"response": map[string]any{"parse": true}},
			status: 400, body: interruptBody, wantErr: wantInterrupt},
		{name: "can_interrupt alias", cfg: map[string]any{"can_interrupt": true},
			status: 400, body: interruptBody, wantErr: wantInterrupt},
		{name: "parse, 422 with a message body interrupts too", cfg: map[string]any{"response": map[string]any{"parse": "true"}},
			status: 422, body: `{"messages":[{"instance_ptr":"#/traits/name~1first","messages":[{"id":1,"text":"x","type":"error"}]}]}`,
			wantErr: &InterruptError{StatusCode: 422, Messages: []FieldMessages{{InstancePtr: "#/traits/name~1first",
				Field: "traits.name/first", Messages: []text.Message{{ID: 1, Text: "x", Type: text.Error}}}}}},
		{name: "parse, 400 without messages", cfg: map[string]any{"response": map[string]any{"parse": true}},
			status: 400, body: `{"error":"nope"}`, wantStatus: 400},
		{name: "parse, 500 with a non-JSON body", cfg: map[string]any{"response": map[string]any{"parse": true}},
			status: 500, body: `oops`, wantStatus: 500},
		{name: "parse, 200 with identity", cfg: map[string]any{"response": map[string]any{"parse": true}},
			status: 200, body: `{"identity":{"traits":{"email":"new@example.com"},"metadata_public":{"plan":"pro"},"metadata_admin":null}}`,
			wantUpdate: &IdentityUpdate{Traits: json.RawMessage(`{"email":"new@example.com"}`),
				MetadataPublic: json.RawMessage(`{"plan":"pro"}`)}},
		{name: "parse, 200 without identity", cfg: map[string]any{"response": map[string]any{"parse": true}},
			status: 200, body: `{"ok":true}`},
		{name: "parse, 200 empty body", cfg: map[string]any{"response": map[string]any{"parse": true}},
			status: 200, body: ``},
		{name: "parse, 204", cfg: map[string]any{"response": map[string]any{"parse": true}},
			status: 204},
		{name: "no parse, 200 with identity is ignored", cfg: map[string]any{},
			status: 200, body: `{"identity":{"traits":{"email":"new@example.com"}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := newTarget(t, targetOpts{status: tt.status, body: tt.body})
			cfg := map[string]any{"url": srv.URL, "body": b64(`function(ctx) { email: ctx.identity.traits.email }`)}
			for k, v := range tt.cfg {
				cfg[k] = v
			}
			w := mustWebHook(t, cfg, Deps{})
			u, err := w.RunForUpdate(context.Background(), testContext())
			switch {
			case tt.wantErr != nil:
				var ie *InterruptError
				if !errors.As(err, &ie) {
					t.Fatalf("err = %v, want *InterruptError", err)
				}
				if diff := cmp.Diff(tt.wantErr, ie); diff != "" {
					t.Errorf("interrupt (-want +got):\n%s", diff)
				}
			case tt.wantStatus != 0:
				var se *StatusError
				if !errors.As(err, &se) || se.StatusCode != tt.wantStatus {
					t.Fatalf("err = %v, want *StatusError %d", err, tt.wantStatus)
				}
			case err != nil:
				t.Fatalf("err = %v", err)
			}
			if diff := cmp.Diff(tt.wantUpdate, u); diff != "" {
				t.Errorf("update (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWebHookParseBadJSON(t *testing.T) {
	srv, _ := newTarget(t, targetOpts{status: http.StatusOK, body: `{not json`})
	w := mustWebHook(t, map[string]any{"url": srv.URL, "response": map[string]any{"parse": true}}, Deps{})
	if _, err := w.RunForUpdate(context.Background(), testContext()); err == nil {
		t.Fatal("want an error for a 200 body that is not JSON")
	}
}

func TestPointerToField(t *testing.T) {
	tests := map[string]string{
		"#/traits/email":          "traits.email",
		"#/":                      "",
		"":                        "",
		"#":                       "",
		"/traits/email":           "traits.email",
		"#/traits/a~1b/c~0d":      "traits.a/b.c~d",
		"#/traits/with%20space":   "traits.with space",
		"#/traits/emails/0/value": "traits.emails.0.value",
	}
	for in, want := range tests {
		if got := pointerToField(in); got != want {
			t.Errorf("pointerToField(%q) = %q, want %q", in, got, want)
		}
	}
}
