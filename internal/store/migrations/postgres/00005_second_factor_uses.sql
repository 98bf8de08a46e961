-- Spent second factors (issue 5; beyond Kratos, which rewrites the whole
-- credential config to mark a lookup code used and never remembers TOTP
-- steps):
--   * identity_credential_totp_steps: the last TOTP time step accepted per
--     credential, so a code is accepted once per step (no replay within its
--     window);
--   * identity_credential_lookup_uses: one row per spent lookup secret
--     (keyed by the code's hash, D16), with its used_at.
-- They live outside identity_credentials on purpose: UpdateIdentity rewrites
-- credential rows from a copy read earlier, which could put a spent code back.
-- Rows here are only written by one atomic statement each (an upsert that
-- only moves the step forward, an insert that a duplicate key refuses), so
-- exactly one of N parallel submissions of the same code wins on every
-- engine. credential_id has no foreign key for the same reason (the rewrite
-- deletes and re-inserts the credential row under the same id); rows go with
-- their identity (ON DELETE CASCADE) and stale ones are pruned by the store.

-- +goose Up
CREATE TABLE identity_credential_totp_steps (
    credential_id UUID NOT NULL PRIMARY KEY,
    nid           UUID NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    identity_id   UUID NOT NULL REFERENCES identities (id) ON DELETE CASCADE,
    step          BIGINT NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX identity_credential_totp_steps_identity_idx ON identity_credential_totp_steps (identity_id);

CREATE TABLE identity_credential_lookup_uses (
    credential_id UUID NOT NULL,
    code_hash     TEXT NOT NULL,
    nid           UUID NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    identity_id   UUID NOT NULL REFERENCES identities (id) ON DELETE CASCADE,
    used_at       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (credential_id, code_hash)
);
CREATE INDEX identity_credential_lookup_uses_identity_idx ON identity_credential_lookup_uses (identity_id);

-- +goose Down
DROP TABLE identity_credential_lookup_uses;
DROP TABLE identity_credential_totp_steps;
