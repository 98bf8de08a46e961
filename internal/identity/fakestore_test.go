package identity

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/apierr"
)

// fakeStore is an in-memory Store for service tests. It keeps the
// contract's observable rules: ids and times are set on write, missing rows
// are 404, identifiers (per credential type) and addresses (per via) are
// unique (409), and callers never share memory with stored rows.
type fakeStore struct {
	mu   sync.Mutex
	rows map[uuid.UUID]Identity
	now  func() time.Time
}

func newFakeStore(now func() time.Time) *fakeStore {
	return &fakeStore{rows: map[uuid.UUID]Identity{}, now: now}
}

func (f *fakeStore) CreateIdentity(_ context.Context, i *Identity) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if i.ID == uuid.Nil {
		i.ID = uuid.New()
	}
	if _, ok := f.rows[i.ID]; ok {
		return apierr.Conflict(errors.New("identity id exists"))
	}
	if err := f.checkUnique(i); err != nil {
		return err
	}
	now := f.now()
	i.CreatedAt, i.UpdatedAt = now, now
	f.stamp(i, now)
	f.rows[i.ID] = deepCopy(*i)
	return nil
}

func (f *fakeStore) UpdateIdentity(_ context.Context, i *Identity) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	old, ok := f.rows[i.ID]
	if !ok {
		return apierr.NotFound()
	}
	if err := f.checkUnique(i); err != nil {
		return err
	}
	now := f.now()
	i.CreatedAt, i.UpdatedAt = old.CreatedAt, now
	f.stamp(i, now)
	f.rows[i.ID] = deepCopy(*i)
	return nil
}

// stamp gives new nested rows ids and times, as the SQL store does.
func (f *fakeStore) stamp(i *Identity, now time.Time) {
	for k, c := range i.Credentials {
		if c.ID == uuid.Nil {
			c.ID = uuid.New()
		}
		if c.CreatedAt.IsZero() {
			c.CreatedAt = now
		}
		if c.UpdatedAt.IsZero() {
			c.UpdatedAt = now
		}
		i.Credentials[k] = c
	}
	for n := range i.VerifiableAddresses {
		a := &i.VerifiableAddresses[n]
		if a.ID == uuid.Nil {
			a.ID, a.CreatedAt = uuid.New(), now
		}
		a.UpdatedAt = now
	}
	for n := range i.RecoveryAddresses {
		a := &i.RecoveryAddresses[n]
		if a.ID == uuid.Nil {
			a.ID, a.CreatedAt = uuid.New(), now
		}
		a.UpdatedAt = now
	}
}

func (f *fakeStore) checkUnique(i *Identity) error {
	for id, other := range f.rows {
		if id == i.ID {
			continue
		}
		for t, c := range i.Credentials {
			for _, ident := range c.Identifiers {
				for _, oi := range other.Credentials[t].Identifiers {
					if oi == ident {
						return apierr.Conflict(fmt.Errorf("identifier %s:%s exists", t, ident))
					}
				}
			}
		}
		for _, a := range i.VerifiableAddresses {
			for _, o := range other.VerifiableAddresses {
				if a.Via == o.Via && a.Value == o.Value {
					return apierr.Conflict(fmt.Errorf("verifiable address %s exists", a.Value))
				}
			}
		}
		for _, a := range i.RecoveryAddresses {
			for _, o := range other.RecoveryAddresses {
				if a.Via == o.Via && a.Value == o.Value {
					return apierr.Conflict(fmt.Errorf("recovery address %s exists", a.Value))
				}
			}
		}
	}
	return nil
}

func (f *fakeStore) FindIdentityByID(_ context.Context, id uuid.UUID, withCredentials bool) (*Identity, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	row, ok := f.rows[id]
	if !ok {
		return nil, apierr.NotFound()
	}
	c := deepCopy(row)
	if !withCredentials {
		c.Credentials = nil
	}
	return &c, nil
}

func (f *fakeStore) FindIdentityByCredentialsIdentifier(_ context.Context, t CredentialsType, identifier string) (*Identity, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, row := range f.rows {
		for _, ident := range row.Credentials[t].Identifiers {
			if ident == identifier {
				c := deepCopy(row)
				return &c, nil
			}
		}
	}
	return nil, apierr.NotFound()
}

func (f *fakeStore) DeleteIdentity(_ context.Context, id uuid.UUID) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.rows[id]; !ok {
		return apierr.NotFound()
	}
	delete(f.rows, id)
	return nil
}

func (f *fakeStore) ListIdentities(context.Context, ListParams) (ListResult, error) {
	return ListResult{}, errors.New("fakeStore: ListIdentities is not used by the service")
}

// deepCopy copies every slice, map and byte buffer of an identity.
func deepCopy(i Identity) Identity {
	c := i
	c.Traits = cloneJSON(i.Traits)
	c.MetadataPublic = cloneJSON(i.MetadataPublic)
	c.MetadataAdmin = cloneJSON(i.MetadataAdmin)
	if i.StateChangedAt != nil {
		t := *i.StateChangedAt
		c.StateChangedAt = &t
	}
	c.VerifiableAddresses = append([]VerifiableAddress(nil), i.VerifiableAddresses...)
	c.RecoveryAddresses = append([]RecoveryAddress(nil), i.RecoveryAddresses...)
	if i.Credentials != nil {
		c.Credentials = make(map[CredentialsType]Credentials, len(i.Credentials))
		for k, v := range i.Credentials {
			v.Identifiers = append([]string(nil), v.Identifiers...)
			v.Config = cloneJSON(v.Config)
			c.Credentials[k] = v
		}
	}
	return c
}
