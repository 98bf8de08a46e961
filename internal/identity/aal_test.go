package identity

import (
	"encoding/json"
	"testing"
)

func TestAvailableAAL(t *testing.T) {
	pw := func(hash string, ids ...string) Credentials {
		return Credentials{Identifiers: ids, Config: json.RawMessage(`{"hashed_password":"` + hash + `"}`)}
	}
	totp := func(u string, ids ...string) Credentials {
		return Credentials{Identifiers: ids, Config: json.RawMessage(`{"totp_url":"` + u + `"}`)}
	}
	webauthn := func(passwordless ...bool) Credentials {
		var keys []map[string]any
		for _, p := range passwordless {
			keys = append(keys, map[string]any{"id": "a2V5", "is_passwordless": p})
		}
		b, _ := json.Marshal(map[string]any{"credentials": keys, "user_handle": "aGFuZGxl"})
		return Credentials{Identifiers: []string{"x"}, Config: b}
	}
	type creds = map[CredentialsType]Credentials
	tests := []struct {
		name  string
		creds creds
		want  string
	}{
		{"nil", nil, AAL0},
		{"empty", creds{}, AAL0},
		{"bcrypt password", creds{CredentialsPassword: pw("$2a$12$abc", "a@example.org")}, AAL1},
		{"bcrypt 2b", creds{CredentialsPassword: pw("$2b$04$abc", "a")}, AAL1},
		{"bcrypt 2$", creds{CredentialsPassword: pw("$2$04$abc", "a")}, AAL1},
		{"argon2id password", creds{CredentialsPassword: pw("$argon2id$v=19$m=16,t=1,p=1$c2FsdA$a2V5", "a")}, AAL1},
		{"pbkdf2 does not count", creds{CredentialsPassword: pw("$pbkdf2-sha256$i=1,l=32$c2FsdA$a2V5", "a")}, AAL0},
		{"argon2i does not count", creds{CredentialsPassword: pw("$argon2i$v=19$m=16,t=1,p=1$c2FsdA$a2V5", "a")}, AAL0},
		{"password without identifier", creds{CredentialsPassword: pw("$2a$12$abc")}, AAL0},
		{"password with empty identifier", creds{CredentialsPassword: pw("$2a$12$abc", "")}, AAL0},
		{"password without config", creds{CredentialsPassword: {Identifiers: []string{"a"}}}, AAL0},
		{"password with broken config", creds{CredentialsPassword: {Identifiers: []string{"a"}, Config: json.RawMessage(`[`)}}, AAL0},
		{"oidc linked", creds{CredentialsOIDC: {
			Identifiers: []string{"google:1"},
			Config:      json.RawMessage(`{"providers":[{"provider":"google","subject":"1"}]}`),
		}}, AAL1},
		{"oidc identifier without provider entry", creds{CredentialsOIDC: {
			Identifiers: []string{"google:2"},
			Config:      json.RawMessage(`{"providers":[{"provider":"google","subject":"1"}]}`),
		}}, AAL0},
		{"password + totp", creds{
			CredentialsPassword: pw("$2a$12$abc", "a"),
			CredentialsTOTP:     totp("otpauth://totp/x?secret=ABC", "id"),
		}, AAL2},
		{"totp alone is aal2 (v0.10.1)", creds{CredentialsTOTP: totp("otpauth://totp/x?secret=ABC", "id")}, AAL2},
		{"totp without identifier", creds{CredentialsPassword: pw("$2a$12$abc", "a"), CredentialsTOTP: totp("otpauth://totp/x", "")}, AAL1},
		{"totp with unparsable url", creds{CredentialsPassword: pw("$2a$12$abc", "a"), CredentialsTOTP: totp("%zz", "id")}, AAL1},
		{"totp with empty url", creds{CredentialsPassword: pw("$2a$12$abc", "a"), CredentialsTOTP: totp("", "id")}, AAL1},
		{"lookup secret", creds{
			CredentialsPassword:     pw("$2a$12$abc", "a"),
			CredentialsLookupSecret: {Config: json.RawMessage(`{"recovery_codes":[{"code":"abc"}]}`)},
		}, AAL2},
		{"lookup secret without codes", creds{
			CredentialsPassword:     pw("$2a$12$abc", "a"),
			CredentialsLookupSecret: {Config: json.RawMessage(`{"recovery_codes":[]}`)},
		}, AAL1},
		{"password + webauthn mfa", creds{CredentialsPassword: pw("$2a$12$abc", "a"), CredentialsWebAuthn: webauthn(false)}, AAL2},
		{"passwordless webauthn only", creds{CredentialsWebAuthn: webauthn(true)}, AAL1},
		{"passwordless and mfa keys", creds{CredentialsWebAuthn: webauthn(true, false)}, AAL2},
		{"webauthn without keys", creds{CredentialsWebAuthn: webauthn()}, AAL0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := AvailableAAL(tt.creds); got != tt.want {
				t.Errorf("AvailableAAL = %s, want %s", got, tt.want)
			}
		})
	}
}
