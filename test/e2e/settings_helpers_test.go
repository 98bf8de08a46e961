package e2e

import (
	"context"
	"database/sql"
	"net/http"
	"net/url"
	"strings"
	"testing"

	client "github.com/ory/client-go"
)

// Helpers for the settings flow tests (issue 4).

// settingsPassword is every test settingsMember's password.
const settingsPassword = "correct horse battery staple"

// settingsMember is an identity with a password, signed in through the API.
type settingsMember struct {
	email, id, token string
}

// newSettingsMember creates an identity with a password through the admin SDK and
// signs it in through the native login flow.
func newSettingsMember(t *testing.T, s *Server, email string) settingsMember {
	t.Helper()
	body := client.NewCreateIdentityBody("default", map[string]any{"email": email})
	body.Credentials = &client.IdentityWithCredentials{Password: &client.IdentityWithCredentialsPassword{
		Config: &client.IdentityWithCredentialsPasswordConfig{Password: client.PtrString(settingsPassword)}}}
	i, _, err := s.Admin().IdentityAPI.CreateIdentity(context.Background()).CreateIdentityBody(*body).Execute()
	must(t, err)
	return settingsMember{email: email, id: i.Id, token: loginAPI(t, s, email, settingsPassword).GetSessionToken()}
}

// signIn signs the browser in through the login form (query: "" or a
// refresh/return_to query) and returns the login submit's answer.
func (b *browser) signIn(s *Server, email, query string) reply {
	b.t.Helper()
	return b.signInWith(s, email, settingsPassword, query)
}

// signInWith is signIn with another password.
func (b *browser) signInWith(s *Server, email, password, query string) reply {
	b.t.Helper()
	id, f := b.startFlow(s, "login", query)
	r := b.postForm(s.PublicURL+"/self-service/login?flow="+id, url.Values{"method": {"password"},
		"csrf_token": {csrfOf(b.t, f)}, "identifier": {email}, "password": {password}})
	if r.Status != http.StatusSeeOther {
		b.t.Fatalf("browser login: %d %s", r.Status, r.Body)
	}
	return r
}

// settingsAPI inits a native settings flow with the settingsMember's token.
func settingsAPI(t *testing.T, s *Server, token string) map[string]any {
	t.Helper()
	r := call(t, "GET", s.PublicURL+"/self-service/settings/api", nil, "X-Session-Token", token)
	if r.Status != 200 {
		t.Fatalf("settings api init: %d %s", r.Status, r.Body)
	}
	return r.object(t)
}

// actionOf is the flow's ui.action.
func actionOf(t *testing.T, f map[string]any) string {
	t.Helper()
	a, _ := f["ui"].(map[string]any)["action"].(string)
	if a == "" {
		t.Fatalf("no ui.action in %v", f)
	}
	return a
}

// submitAPI posts a JSON body to an API flow with the token.
func submitAPI(t *testing.T, s *Server, f map[string]any, token string, body any, headers ...string) reply {
	t.Helper()
	return call(t, "POST", s.PublicURL+"/self-service/settings?flow="+toString(f["id"]), body,
		append([]string{"X-Session-Token", token}, headers...)...)
}

// fetchSettings reads a flow with the token.
func fetchSettings(t *testing.T, s *Server, id, token string) reply {
	t.Helper()
	return call(t, "GET", s.PublicURL+"/self-service/settings/flows?id="+id, nil, "X-Session-Token", token)
}

// settingsFlowID is the flow id in a Location to the settings UI, or "".
func settingsFlowID(loc string) string {
	id, ok := strings.CutPrefix(loc, uiBase+"/settings?flow=")
	if !ok {
		return ""
	}
	return id
}

// settingsDB opens the server's database for checks the API cannot make.
func settingsDB(t *testing.T, s *Server) *sql.DB {
	t.Helper()
	driver, dsn := "pgx", s.DSN
	if strings.HasPrefix(s.DSN, "sqlite://") {
		path, _, _ := strings.Cut(strings.TrimPrefix(s.DSN, "sqlite://"), "?")
		driver, dsn = "sqlite", "file:"+path+"?_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// addSecurityKey gives the identity a registered (not passwordless)
// security key, as a WebAuthn registration would store it, so its highest
// available AAL becomes aal2 (§6.2).
func addSecurityKey(t *testing.T, s *Server, identityID string) {
	t.Helper()
	db := settingsDB(t, s)
	cfg := `{"credentials":[{"id":"Zm9vZm9v","public_key":"","attestation_type":"none","authenticator":{"aaguid":"AAAAAAAAAAAAAAAAAAAAAA==","sign_count":0,"clone_warning":false},"display_name":"foo","added_at":"2026-01-01T00:00:00Z","is_passwordless":false}],"user_handle":""}`
	res, err := db.Exec(`UPDATE identity_credentials SET config = $1 WHERE identity_id = $2 AND identity_credential_type_id =
		(SELECT id FROM identity_credential_types WHERE name = 'webauthn')`, cfg, identityID)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("the identity has no webauthn credential to update (%d rows)", n)
	}
	if _, err := db.Exec(`UPDATE identities SET available_aal = 'aal2' WHERE id = $1`, identityID); err != nil {
		t.Fatal(err)
	}
}

// storedIdentifiers are the identity's password identifiers in the database.
func storedIdentifiers(t *testing.T, s *Server, identityID string) []string {
	t.Helper()
	rows, err := settingsDB(t, s).Query(`SELECT ici.identifier FROM identity_credential_identifiers ici
		JOIN identity_credentials ic ON ic.id = ici.identity_credential_id
		JOIN identity_credential_types ict ON ict.id = ic.identity_credential_type_id
		WHERE ic.identity_id = $1 AND ict.name = 'password' ORDER BY ici.identifier`, identityID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// adminTraits reads the identity's traits through the admin API.
func adminTraits(t *testing.T, s *Server, id string) map[string]any {
	t.Helper()
	i, _, err := s.Admin().IdentityAPI.GetIdentity(context.Background(), id).Execute()
	must(t, err)
	m, _ := i.Traits.(map[string]any)
	return m
}

// setCookieNames lists the names of the cookies a response sets.
func setCookieNames(h http.Header) []string {
	var out []string
	for _, c := range (&http.Response{Header: h}).Cookies() {
		out = append(out, c.Name)
	}
	return out
}

// settingsNodeNames lists the node names (ids) of a flow in order.
func settingsNodeNames(t *testing.T, f map[string]any) []string {
	t.Helper()
	var out []string
	for _, n := range nodesOf(t, f) {
		a := n["attributes"].(map[string]any)
		name, _ := a["name"].(string)
		if name == "" {
			name, _ = a["id"].(string)
		}
		if name == "method" {
			name += "=" + toString(a["value"])
		}
		out = append(out, name)
	}
	return out
}

// flowFirstMessage is the text of ui.messages[0], "" without one.
func flowFirstMessage(f map[string]any) string {
	msgs, _ := f["ui"].(map[string]any)["messages"].([]any)
	if len(msgs) == 0 {
		return ""
	}
	s, _ := msgs[0].(map[string]any)["text"].(string)
	return s
}

// nodeMessageTexts are the texts of the messages on the named node.
func nodeMessageTexts(t *testing.T, f map[string]any, name string) []string {
	t.Helper()
	var out []string
	for _, n := range nodesOf(t, f) {
		if n["attributes"].(map[string]any)["name"] == name {
			for _, m := range n["messages"].([]any) {
				out = append(out, toString(m.(map[string]any)["text"]))
			}
		}
	}
	return out
}
