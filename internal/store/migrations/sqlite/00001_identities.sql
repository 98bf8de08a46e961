-- Identities and what they own (foundation §12, decision D19).
-- SQLite types: ids are TEXT (lower-case UUID), JSON is TEXT, times are TEXT
-- in the fixed-width UTC layout 2006-01-02T15:04:05.000000Z (sorts as time),
-- booleans are INTEGER 0/1. STRICT makes a mistyped bind an error.
-- Every foreign-key column leads an index: ON DELETE CASCADE looks children
-- up by it, and without one each delete scans the child table.
-- No index leads with nid unless the query that needs it filters on nid and
-- then on the index's next column: all rows of a deployment share one nid,
-- and a planner without statistics (a fresh SQLite file) would otherwise
-- pick an index on nid alone and scan every row. Unique keys therefore put
-- their selective column (identifier, value) first; the constraint is the
-- same set of columns.

-- +goose Up
CREATE TABLE networks (
    id         TEXT NOT NULL PRIMARY KEY,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;

CREATE TABLE identities (
    id               TEXT NOT NULL PRIMARY KEY,
    nid              TEXT NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    schema_id        TEXT NOT NULL,
    traits           TEXT NOT NULL,
    state            TEXT NOT NULL DEFAULT 'active',
    state_changed_at TEXT,
    metadata_public  TEXT,
    metadata_admin   TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
) STRICT;
-- Listing (both page modes) walks this index in id order within the network.
CREATE INDEX identities_nid_id_idx ON identities (nid, id);

CREATE TABLE identity_credential_types (
    id   TEXT NOT NULL PRIMARY KEY,
    name TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX identity_credential_types_name_uq ON identity_credential_types (name);

CREATE TABLE identity_credentials (
    id                          TEXT NOT NULL PRIMARY KEY,
    nid                         TEXT NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    identity_id                 TEXT NOT NULL REFERENCES identities (id) ON DELETE CASCADE,
    identity_credential_type_id TEXT NOT NULL REFERENCES identity_credential_types (id),
    config                      TEXT NOT NULL,
    version                     INTEGER NOT NULL DEFAULT 0,
    created_at                  TEXT NOT NULL,
    updated_at                  TEXT NOT NULL
) STRICT;
-- One credential per type and identity (Identity.Credentials is a map); also
-- the index for "credentials of this identity".
CREATE UNIQUE INDEX identity_credentials_identity_type_uq ON identity_credentials (identity_id, identity_credential_type_id);

CREATE TABLE identity_credential_identifiers (
    id                          TEXT NOT NULL PRIMARY KEY,
    nid                         TEXT NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    identity_credential_id      TEXT NOT NULL REFERENCES identity_credentials (id) ON DELETE CASCADE,
    identity_credential_type_id TEXT NOT NULL REFERENCES identity_credential_types (id),
    identifier                  TEXT NOT NULL,
    created_at                  TEXT NOT NULL,
    updated_at                  TEXT NOT NULL
) STRICT;
-- The duplicate-registration check and the login lookup: UNIQUE (nid, type,
-- identifier) as in Kratos, with the selective column first (see above).
CREATE UNIQUE INDEX identity_credential_identifiers_identifier_type_nid_uq
    ON identity_credential_identifiers (identifier, identity_credential_type_id, nid);
CREATE INDEX identity_credential_identifiers_credential_nid_idx
    ON identity_credential_identifiers (identity_credential_id, nid);

CREATE TABLE identity_verifiable_addresses (
    id          TEXT NOT NULL PRIMARY KEY,
    nid         TEXT NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    identity_id TEXT NOT NULL REFERENCES identities (id) ON DELETE CASCADE,
    via         TEXT NOT NULL,
    value       TEXT NOT NULL,
    verified    INTEGER NOT NULL DEFAULT 0,
    status      TEXT NOT NULL,
    verified_at TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX identity_verifiable_addresses_value_via_nid_uq ON identity_verifiable_addresses (value, via, nid);
CREATE INDEX identity_verifiable_addresses_identity_nid_idx ON identity_verifiable_addresses (identity_id, nid);

CREATE TABLE identity_recovery_addresses (
    id          TEXT NOT NULL PRIMARY KEY,
    nid         TEXT NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    identity_id TEXT NOT NULL REFERENCES identities (id) ON DELETE CASCADE,
    via         TEXT NOT NULL,
    value       TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX identity_recovery_addresses_value_via_nid_uq ON identity_recovery_addresses (value, via, nid);
CREATE INDEX identity_recovery_addresses_identity_nid_idx ON identity_recovery_addresses (identity_id, nid);

-- Fixed ids, identical in every dialect.
INSERT INTO identity_credential_types (id, name) VALUES
    ('fdaa7d04-ae33-4ab0-b4b3-9b060aa83113', 'password'),
    ('0caad27a-553c-416f-aa00-27ab2c3b2a53', 'oidc'),
    ('aec95fff-a256-48e3-87bc-ba865d9a7bbd', 'totp'),
    ('7302f1f1-68ee-4993-8b4b-c0e677aa068f', 'lookup_secret'),
    ('ec262a6a-bcf8-457a-9254-d6bba323eee9', 'webauthn'),
    ('db648884-2789-4328-a741-117b5c77a17e', 'code'),
    ('82338d84-d450-4a7c-ba9c-12186a94fc53', 'passkey');

-- +goose Down
DROP TABLE identity_recovery_addresses;
DROP TABLE identity_verifiable_addresses;
DROP TABLE identity_credential_identifiers;
DROP TABLE identity_credentials;
DROP TABLE identity_credential_types;
DROP TABLE identities;
DROP TABLE networks;
