-- WebAuthn challenges that were answered (issue 5; beyond Kratos, which
-- keeps the challenge in the flow's internal context and never remembers
-- that it was used). Warden derives each ceremony's challenge from a server
-- secret, the flow and the identity (internal/method/webauthn), so nothing
-- is written when a flow is shown; a successful login writes one row here,
-- keyed by the challenge's SHA-256, in one INSERT that a duplicate key
-- refuses: of N submissions of the same assertion (a replay, even in
-- parallel) exactly one signs in. Rows are useless once their flow has
-- expired (expires_at) and are pruned by the store.

-- +goose Up
CREATE TABLE webauthn_used_challenges (
    challenge_hash TEXT NOT NULL PRIMARY KEY,
    nid            UUID NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    expires_at     TIMESTAMPTZ NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX webauthn_used_challenges_nid_expires_idx ON webauthn_used_challenges (nid, expires_at);

-- +goose Down
DROP TABLE webauthn_used_challenges;
