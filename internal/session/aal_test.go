package session_test

import (
	"testing"

	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/session"
)

// TestComputeAAL is foundation §3.2 and §13 item 62 (Kratos's session_test).
func TestComputeAAL(t *testing.T) {
	const (
		password = identity.CredentialsPassword
		oidc     = identity.CredentialsOIDC
		totp     = identity.CredentialsTOTP
		lookup   = identity.CredentialsLookupSecret
		webauthn = identity.CredentialsWebAuthn
		recovery = session.MethodLinkRecovery
		legacy   = session.MethodLegacySession
	)
	m := func(method identity.CredentialsType, aal session.AAL) session.AuthenticationMethod {
		return session.AuthenticationMethod{Method: method, AAL: aal}
	}
	tests := []struct {
		name string
		amr  []session.AuthenticationMethod
		want session.AAL
	}{
		{"no amr", nil, session.AAL0},
		{"password", []session.AuthenticationMethod{m(password, "aal1")}, session.AAL1},
		{"oidc", []session.AuthenticationMethod{m(oidc, "aal1")}, session.AAL1},
		{"recovery", []session.AuthenticationMethod{m(recovery, "aal1")}, session.AAL1},
		{"mixed first factors", []session.AuthenticationMethod{m(password, "aal1"), m(oidc, "aal1"), m(recovery, "aal1")}, session.AAL1},
		{"totp alone", []session.AuthenticationMethod{m(totp, "aal2")}, session.AAL1},
		{"password + totp", []session.AuthenticationMethod{m(password, "aal1"), m(totp, "aal2")}, session.AAL2},
		{"password + lookup", []session.AuthenticationMethod{m(password, "aal1"), m(lookup, "aal2")}, session.AAL2},
		{"oidc + totp", []session.AuthenticationMethod{m(oidc, "aal1"), m(totp, "aal2")}, session.AAL2},
		{"oidc + lookup", []session.AuthenticationMethod{m(oidc, "aal1"), m(lookup, "aal2")}, session.AAL2},
		{"recovery + totp", []session.AuthenticationMethod{m(recovery, "aal1"), m(totp, "aal2")}, session.AAL2},
		{"recovery + lookup", []session.AuthenticationMethod{m(recovery, "aal1"), m(lookup, "aal2")}, session.AAL2},
		{"recovery + passwordless webauthn", []session.AuthenticationMethod{m(recovery, "aal1"), m(webauthn, "aal1")}, session.AAL1},
		{"explicit aal2 twice without aal1", []session.AuthenticationMethod{m(password, "aal2"), m(totp, "aal2")}, session.AAL1},
		{"oidc + webauthn mfa (item 63)", []session.AuthenticationMethod{m(oidc, "aal1"), m(webauthn, "aal2")}, session.AAL2},
		{"aal3 entries only", []session.AuthenticationMethod{m(webauthn, "aal3")}, session.AAL1},
		// Pre-0.9 sessions stored no aal: the method decides.
		{"legacy password", []session.AuthenticationMethod{m(password, "")}, session.AAL1},
		{"legacy session marker", []session.AuthenticationMethod{m(legacy, "")}, session.AAL1},
		{"legacy password + totp", []session.AuthenticationMethod{m(password, ""), m(totp, "")}, session.AAL2},
		{"legacy oidc + lookup", []session.AuthenticationMethod{m(oidc, ""), m(lookup, "")}, session.AAL2},
		{"legacy recovery + webauthn", []session.AuthenticationMethod{m(recovery, ""), m(webauthn, "")}, session.AAL2},
		{"legacy totp alone", []session.AuthenticationMethod{m(totp, "")}, session.AAL1},
		{"legacy unknown method", []session.AuthenticationMethod{m("carrier-pigeon", "")}, session.AAL1},
		{"legacy mixed with explicit", []session.AuthenticationMethod{m(password, ""), m(totp, "aal2")}, session.AAL2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := session.ComputeAAL(tt.amr); got != tt.want {
				t.Errorf("ComputeAAL = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestAALLess(t *testing.T) {
	order := []session.AAL{session.AAL0, session.AAL1, session.AAL2, session.AAL3}
	for i, a := range order {
		for j, b := range order {
			if got := a.Less(b); got != (i < j) {
				t.Errorf("%s.Less(%s) = %v", a, b, got)
			}
		}
	}
}
