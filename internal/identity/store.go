package identity

import (
	"context"

	"github.com/google/uuid"
)

// Store persists identities. Every method filters by the store's network
// (nid). Errors are *apierr.Error: 404 when a row is missing, 409 on a unique
// violation (identifier or address already used), 503 when the database is
// unreachable.
type Store interface {
	// CreateIdentity inserts the identity with its credentials, credential
	// identifiers and addresses in one transaction. It sets ID (when zero),
	// CreatedAt, UpdatedAt and the ids and times of nested rows.
	CreateIdentity(ctx context.Context, i *Identity) error
	// UpdateIdentity replaces the identity's row, credentials, identifiers and
	// addresses in one transaction (delete and re-insert; addresses keep their
	// id and verified state when value and via are unchanged).
	UpdateIdentity(ctx context.Context, i *Identity) error
	// FindIdentityByID loads one identity; with credentials when asked.
	FindIdentityByID(ctx context.Context, id uuid.UUID, withCredentials bool) (*Identity, error)
	// FindIdentityByCredentialsIdentifier finds the identity that owns the
	// credential of type t with this (normalised) identifier, with credentials.
	FindIdentityByCredentialsIdentifier(ctx context.Context, t CredentialsType, identifier string) (*Identity, error)
	// DeleteIdentity deletes an identity and (by cascade) all it owns.
	DeleteIdentity(ctx context.Context, id uuid.UUID) error
	// ListIdentities returns one page, ordered as Kratos does (id DESC for
	// offset pages; keyset pages by id ascending from the token).
	ListIdentities(ctx context.Context, p ListParams) (ListResult, error)
}

// ListParams selects one page. Exactly one mode is used: Keyset (v1
// page_size/page_token) or offset (v0.10.1 page/per_page, 1-based in SQL).
type ListParams struct {
	Keyset    bool
	PageSize  int       // keyset: rows per page
	PageToken uuid.UUID // keyset: list ids greater than this one (zero: from the start)
	Page      int       // offset: 1-based page (values < 1 mean 1)
	PerPage   int       // offset: rows per page
}

// ListResult is one page.
type ListResult struct {
	Identities []Identity // without credentials
	Total      int64      // offset mode only: the number of identities in the network
	NextToken  uuid.UUID  // keyset mode: zero when this was the last page
}
