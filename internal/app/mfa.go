package app

import (
	"fmt"

	"github.com/warden-id/warden/internal/config"
	"github.com/warden-id/warden/internal/flow/login"
	"github.com/warden-id/warden/internal/flow/settings"
	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/method/lookup"
	"github.com/warden-id/warden/internal/method/totp"
	"github.com/warden-id/warden/internal/store"
)

// secondFactors are the TOTP and lookup_secret methods (issue 5) for the
// login and settings flows; a method that is not enabled is nil.
type secondFactors struct {
	totp           *totp.Method
	totpSettings   *totp.Settings
	lookup         *lookup.Method
	lookupSettings *lookup.Settings
}

// newSecondFactors builds the enabled second-factor methods from
// selfservice.methods.{totp,lookup_secret}. Lookup codes are hashed with
// secrets.default (D16); rotating a secret out of that list invalidates
// the codes hashed with it, as it invalidates cookies signed with it.
func newSecondFactors(cfg *config.Config, o Options, st *store.Store, schemas *identity.Schemas) (*secondFactors, error) {
	m := cfg.Selfservice.Methods
	sf := &secondFactors{}
	if m.TOTP.Enabled {
		sf.totp = totp.New(st, schemas, totp.Options{Issuer: m.TOTP.Issuer, Now: o.Now})
		// One settings method for the process: it caches the pending keys.
		sf.totpSettings = totp.NewSettings(sf.totp)
	}
	if m.LookupSecret.Enabled {
		h, err := lookup.NewHasher(cfg.Secrets.Default)
		if err != nil {
			return nil, fmt.Errorf("secrets.default: %w", err)
		}
		sf.lookup = lookup.New(st, h, lookup.Options{Now: o.Now})
		sf.lookupSettings = lookup.NewSettings(sf.lookup)
	}
	return sf, nil
}

// loginMethods are the enabled second factors as login methods, in
// Kratos's strategy order (totp before lookup_secret).
func (sf *secondFactors) loginMethods() []login.Method {
	var out []login.Method
	if sf.totp != nil {
		out = append(out, sf.totp)
	}
	if sf.lookup != nil {
		out = append(out, sf.lookup)
	}
	return out
}

// settingsMethods are the enabled second factors as settings methods (the
// settings flow orders them itself).
func (sf *secondFactors) settingsMethods() []settings.Method {
	var out []settings.Method
	if sf.totpSettings != nil {
		out = append(out, sf.totpSettings)
	}
	if sf.lookupSettings != nil {
		out = append(out, sf.lookupSettings)
	}
	return out
}
