-- The identity's highest available authenticator assurance level (foundation
-- §3.2), kept current by the store on every identity write that carries
-- credentials, so whoami can compare it with the session's AAL without
-- loading and parsing credentials (v1 has the same column).
-- NULL means "not computed yet" (rows written before this migration): the
-- session store then derives it from the credentials on read.

-- +goose Up
ALTER TABLE identities ADD COLUMN available_aal TEXT;

-- +goose Down
ALTER TABLE identities DROP COLUMN available_aal;
