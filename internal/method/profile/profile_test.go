package profile_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/flow"
	"github.com/warden-id/warden/internal/flow/settings"
	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/method/profile"
	"github.com/warden-id/warden/internal/ui"
)

// The profile method (settings-flow §5.1), without a database: the
// identity service validates and derives, Apply gets stored credentials.

const schema = `{"$schema":"http://json-schema.org/draft-07/schema#","type":"object","properties":{"traits":{"type":"object","properties":{` +
	`"email":{"type":"string","format":"email","title":"E-Mail","ory.sh/kratos":{"credentials":{"password":{"identifier":true}},"verification":{"via":"email"}}},` +
	`"backup":{"type":"string","format":"email","ory.sh/kratos":{"recovery":{"via":"email"}}},` +
	`"age":{"type":"number","minimum":0},"news":{"type":"boolean"},"name":{"type":"object","properties":{"first":{"type":"string","title":"First"}}}}}}}`

type env struct {
	m  *profile.Method
	is *identity.Service
}

func newEnv(t *testing.T) env {
	t.Helper()
	schemas, err := identity.LoadSchemas(context.Background(), []identity.SchemaSource{{ID: "default",
		URL: "base64://" + base64.StdEncoding.EncodeToString([]byte(schema))}}, "default", nil)
	if err != nil {
		t.Fatal(err)
	}
	fields, err := flow.TraitFields([]byte(schema))
	if err != nil {
		t.Fatal(err)
	}
	is := identity.NewService(nil, schemas, nil, identity.ServiceOptions{})
	return env{m: profile.New(is, map[string][]flow.TraitField{"default": fields}), is: is}
}

// member is an identity with traits and the credentials the service
// derives, plus a password hash that must survive every update.
func (e env) member(t *testing.T, traits string) (*identity.Identity, map[identity.CredentialsType]identity.Credentials) {
	t.Helper()
	i := &identity.Identity{ID: uuid.New(), SchemaID: "default", State: identity.StateActive}
	if err := e.is.ApplyTraits(i, json.RawMessage(traits)); err != nil {
		t.Fatal(err)
	}
	c := i.Credentials[identity.CredentialsPassword]
	c.Config = json.RawMessage(`{"hashed_password":"$2a$04$keep"}`)
	i.Credentials[identity.CredentialsPassword] = c
	stored := i.Credentials
	pub := i.Public()
	return &pub, stored
}

func (e env) flow(t *testing.T, i *identity.Identity) *settings.Flow {
	t.Helper()
	f := &settings.Flow{Base: flow.Base{ID: uuid.New(), Type: flow.TypeAPI, UI: ui.NewContainer("")}}
	if err := e.m.PopulateSettings(context.Background(), f, i, nil); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestPopulate(t *testing.T) {
	e := newEnv(t)
	i, _ := e.member(t, `{"email":"a@example.org","age":42,"news":true,"name":{"first":"Ada"}}`)
	i.Traits = json.RawMessage(`{"email":"a@example.org","age":42,"news":true,"name":{"first":"Ada"},"legacy":7}`)
	f := e.flow(t, i)
	var got []string
	for _, n := range f.UI.Nodes {
		a := n.Attributes.(*ui.InputAttributes)
		v, _ := json.Marshal(a.Value)
		got = append(got, a.Name+":"+a.Type+":"+string(v))
	}
	// Schema order, typed values; the unknown stored trait typed by value;
	// then the Save button.
	want := []string{"traits.email:email:\"a@example.org\"", "traits.backup:email:null", "traits.age:number:42",
		"traits.news:checkbox:true", "traits.name.first:text:\"Ada\"", "traits.legacy:number:7", "method:submit:\"profile\""}
	if !slices.Equal(got, want) {
		t.Errorf("nodes\n got %v\nwant %v", got, want)
	}
	if l := f.UI.Find("traits.email").Meta.Label; l == nil || l.ID != 1070002 || l.Text != "E-Mail" {
		t.Errorf("label %+v", l)
	}
}

func TestSettings(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name       string
		body       map[string]any
		privileged bool
		wantFields []string // fields with messages (a form error)
		wantPriv   bool
		wantReason string
	}{
		{name: "no traits", body: map[string]any{"method": "profile"}, wantReason: "Did not receive any value changes."},
		{name: "traits not an object", body: map[string]any{"traits": "x"}, wantFields: []string{"traits"}},
		{name: "wrong types", body: map[string]any{"traits": map[string]any{"email": 5.0, "age": "old"}},
			wantFields: []string{"traits.age", "traits.email"}},
		{name: "form values are typed", body: map[string]any{"traits": map[string]any{"email": "a@example.org", "age": "43", "news": "false"}}},
		{name: "a free trait needs no privilege", body: map[string]any{"traits": map[string]any{"email": "a@example.org", "name": map[string]any{"first": "Bea"}}}},
		{name: "a recovery address needs no privilege (Q13)", body: map[string]any{"traits": map[string]any{"email": "a@example.org", "backup": "b@example.org"}}},
		{name: "the identifier needs a privilege", body: map[string]any{"traits": map[string]any{"email": "new@example.org"}}, wantPriv: true},
		{name: "dropping it too (Q6)", body: map[string]any{"traits": map[string]any{"news": true}}, wantPriv: true},
		{name: "privileged", body: map[string]any{"traits": map[string]any{"email": "new@example.org"}}, privileged: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			i, stored := e.member(t, `{"email":"a@example.org","age":42}`)
			f := e.flow(t, i)
			checked := false
			up, err := e.m.Settings(context.Background(), &settings.Submission{Flow: f, Identity: i, Body: tt.body,
				Privileged: tt.privileged, Check: func() error { checked = true; return nil }})
			if tt.wantFields != nil {
				var ve *identity.ValidationError
				if !errors.As(err, &ve) {
					t.Fatalf("err %v, want a validation error", err)
				}
				var fields []string
				for _, c := range ve.Causes {
					fields = append(fields, strings.Join(c.Path, "."))
				}
				slices.Sort(fields)
				if !slices.Equal(fields, tt.wantFields) || checked {
					t.Errorf("fields %v (CSRF checked %v), want %v before CSRF", fields, checked, tt.wantFields)
				}
				return
			}
			if tt.wantReason != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantReason) {
					t.Fatalf("err %v, want %q", err, tt.wantReason)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			next, err := up.Apply(stored)
			var pe *settings.PrivilegeError
			if tt.wantPriv {
				if !errors.As(err, &pe) || !pe.PauseAPI {
					t.Fatalf("err %v, want a PrivilegeError that pauses API flows too", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			// Identifiers follow the traits; the hash is kept.
			var traits struct{ Email string }
			_ = json.Unmarshal(next.Traits, &traits)
			pc := next.Credentials[identity.CredentialsPassword]
			if !slices.Equal(pc.Identifiers, []string{traits.Email}) || string(pc.Config) != `{"hashed_password":"$2a$04$keep"}` {
				t.Errorf("password credential %+v for traits %s", pc, next.Traits)
			}
			if len(next.VerifiableAddresses) != 1 || next.VerifiableAddresses[0].Value != traits.Email ||
				next.VerifiableAddresses[0].ID != uuid.Nil {
				t.Errorf("addresses %+v", next.VerifiableAddresses)
			}
		})
	}
}

func TestFailedSubmissionsEchoWhatWasTyped(t *testing.T) {
	e := newEnv(t)
	i, _ := e.member(t, `{"email":"a@example.org","age":42,"name":{"first":"Ada"}}`)
	f := e.flow(t, i)
	_, err := e.m.Settings(context.Background(), &settings.Submission{Flow: f, Identity: i, Privileged: true,
		Check: func() error { return nil },
		Body:  map[string]any{"traits": map[string]any{"email": "not-an-email", "age": "x", "extra": "y"}}})
	if err == nil {
		t.Fatal("no error")
	}
	value := func(name string) any {
		n := f.UI.Find(name)
		if n == nil {
			return "<no node>"
		}
		return n.Attributes.(*ui.InputAttributes).Value
	}
	if value("traits.email") != "not-an-email" || value("traits.age") != "x" || value("traits.name.first") != nil || value("traits.extra") != "y" {
		t.Errorf("values %v %v %v %v", value("traits.email"), value("traits.age"), value("traits.name.first"), value("traits.extra"))
	}
}
