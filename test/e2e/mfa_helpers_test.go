package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	client "github.com/ory/client-go"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/method/lookup"
	"github.com/warden-id/warden/internal/store"
)

// Helpers for the second-factor tests (issue 5).

// compatDefaultSecret is secrets.default of the compat config: it has
// none, so secrets.cookie stands in (and hashes lookup codes).
const compatDefaultSecret = "PLEASE-CHANGE-ME-I-AM-VERY-INSECURE"

// openStore opens the server's database from the test, to seed second
// factors where no public API can (the admin API imports only password and
// oidc credentials, as v0.10.1).
func openStore(t *testing.T, s *Server) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), s.DSN, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if err := st.EnsureNetwork(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st
}

// seedCredential adds (or replaces) one credential of the identity.
func seedCredential(t *testing.T, s *Server, identityID string, ct identity.CredentialsType, cfg any) {
	t.Helper()
	st := openStore(t, s)
	ctx := context.Background()
	i, err := st.FindIdentityByID(ctx, uuid.MustParse(identityID), true)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	i.Credentials[ct] = identity.Credentials{Type: ct, Identifiers: []string{i.ID.String()}, Config: raw}
	if err := st.UpdateIdentity(ctx, i); err != nil {
		t.Fatal(err)
	}
}

// seedTOTP links a new TOTP device to the identity and returns its key.
func seedTOTP(t *testing.T, s *Server, identityID string) *otp.Key {
	t.Helper()
	k, err := totp.Generate(totp.GenerateOpts{Issuer: "Kratos Bench", AccountName: "seed", SecretSize: 20})
	if err != nil {
		t.Fatal(err)
	}
	seedCredential(t, s, identityID, identity.CredentialsTOTP, map[string]string{"totp_url": k.URL()})
	return k
}

// seedLookup gives the identity these backup codes, hashed as the server
// hashes them.
func seedLookup(t *testing.T, s *Server, identityID string, codes ...string) {
	t.Helper()
	h, err := lookup.NewHasher([]string{compatDefaultSecret})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := h.NewConfig(codes)
	if err != nil {
		t.Fatal(err)
	}
	seedCredential(t, s, identityID, identity.CredentialsLookupSecret, cfg)
}

// totpCode is the key's current code, taken at least 3 s before the step
// ends so that the server (same clock) sees the same step.
func totpCode(t *testing.T, k *otp.Key) string {
	t.Helper()
	if left := 30 - time.Now().Unix()%30; left < 3 {
		time.Sleep(time.Duration(left+1) * time.Second)
	}
	c, err := totp.GenerateCode(k.Secret(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// totpAt is the code of secret at t.
func totpAt(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, at)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// aal2FlowAPI opens a native aal2 login flow for the session token.
func aal2FlowAPI(t *testing.T, s *Server, token string) *client.LoginFlow {
	t.Helper()
	f, _, err := s.Public().FrontendAPI.CreateNativeLoginFlow(context.Background()).Aal("aal2").XSessionToken(token).Execute()
	must(t, err)
	return f
}

// submitTOTP posts a TOTP code to an aal2 flow through the SDK.
func submitTOTP(s *Server, flowID, token, code string) (*client.SuccessfulNativeLogin, *http.Response, error) {
	body := client.UpdateLoginFlowWithTotpMethodAsUpdateLoginFlowBody(client.NewUpdateLoginFlowWithTotpMethod("totp", code))
	return s.Public().FrontendAPI.UpdateLoginFlow(context.Background()).Flow(flowID).XSessionToken(token).
		UpdateLoginFlowBody(body).Execute()
}

// submitLookup posts a backup code to an aal2 flow through the SDK.
func submitLookup(s *Server, flowID, token, code string) (*client.SuccessfulNativeLogin, *http.Response, error) {
	body := client.UpdateLoginFlowWithLookupSecretMethodAsUpdateLoginFlowBody(
		client.NewUpdateLoginFlowWithLookupSecretMethod(code, "lookup_secret"))
	return s.Public().FrontendAPI.UpdateLoginFlow(context.Background()).Flow(flowID).XSessionToken(token).
		UpdateLoginFlowBody(body).Execute()
}

// amr lists a session's AMR methods.
func amr(sess *client.Session) string {
	var out []string
	for _, m := range sess.AuthenticationMethods {
		out = append(out, m.GetMethod()+"/"+string(m.GetAal()))
	}
	return strings.Join(out, ",")
}

// parallelSubmits prepares n aal1 sessions of identifier with an aal2 flow
// each, calls ready (when not nil: e.g. to take a fresh TOTP code), then
// submits them all at once through submit, and returns the statuses and
// first flow-level message ids.
func parallelSubmits(t *testing.T, s *Server, identifier, password string, n int,
	submit func(flowID, token string) (*http.Response, error), ready func()) (statuses []int, msgs []string) {
	t.Helper()
	type prepared struct{ flowID, token string }
	preps := make([]prepared, n)
	for k := range preps {
		tok := loginAPI(t, s, identifier, password).GetSessionToken()
		preps[k] = prepared{flowID: aal2FlowAPI(t, s, tok).Id, token: tok}
	}
	if ready != nil {
		ready()
	}
	statuses, msgs = make([]int, n), make([]string, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for k, p := range preps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			res, err := submit(p.flowID, p.token)
			if res == nil {
				t.Errorf("submit %d: %v", k, err)
				return
			}
			statuses[k] = res.StatusCode
			var ge *client.GenericOpenAPIError
			if err != nil && errors.As(err, &ge) {
				var f map[string]any
				if json.Unmarshal(ge.Body(), &f) == nil {
					if ui, ok := f["ui"].(map[string]any); ok {
						if ms, ok := ui["messages"].([]any); ok && len(ms) > 0 {
							msgs[k] = toString(ms[0].(map[string]any)["id"])
						}
					}
				}
			}
		}()
	}
	close(start)
	wg.Wait()
	return statuses, msgs
}
