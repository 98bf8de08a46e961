-- Sessions, self-service flows, tokens, errors, continuity, courier and
-- login throttling (foundation §12; decisions D16, D18, D19).
-- Secrets (session and logout tokens, CSRF tokens, recovery and verification
-- tokens) are stored only as hashes (D16): the columns are named *_hash.
-- Types as in 00001: UUID, JSONB, TIMESTAMPTZ, BOOLEAN, BYTEA.

-- +goose Up
CREATE TABLE sessions (
    id                     UUID NOT NULL PRIMARY KEY,
    nid                    UUID NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    identity_id            UUID NOT NULL REFERENCES identities (id) ON DELETE CASCADE,
    token_hash             TEXT NOT NULL,
    logout_token_hash      TEXT NOT NULL,
    active                 BOOLEAN NOT NULL DEFAULT false,
    aal                    TEXT NOT NULL DEFAULT 'aal1',
    authentication_methods JSONB NOT NULL DEFAULT '[]',
    issued_at              TIMESTAMPTZ NOT NULL,
    expires_at             TIMESTAMPTZ NOT NULL,
    authenticated_at       TIMESTAMPTZ NOT NULL,
    created_at             TIMESTAMPTZ NOT NULL,
    updated_at             TIMESTAMPTZ NOT NULL
);
-- Lookup by token (whoami) and by logout token: the unique indexes serve the
-- `token_hash = $ AND nid = $` lookups directly.
CREATE UNIQUE INDEX sessions_token_hash_uq ON sessions (token_hash);
CREATE UNIQUE INDEX sessions_logout_token_hash_uq ON sessions (logout_token_hash);
CREATE INDEX sessions_identity_nid_idx ON sessions (identity_id, nid);
CREATE INDEX sessions_nid_created_at_id_idx ON sessions (nid, created_at DESC, id);

CREATE TABLE session_devices (
    id         UUID NOT NULL PRIMARY KEY,
    nid        UUID NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    session_id UUID NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    ip_address TEXT NOT NULL DEFAULT '',
    user_agent TEXT NOT NULL DEFAULT '',
    location   TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX session_devices_session_nid_idx ON session_devices (session_id, nid);

CREATE TABLE selfservice_login_flows (
    id                     UUID NOT NULL PRIMARY KEY,
    nid                    UUID NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    type                   TEXT NOT NULL DEFAULT 'browser',
    state                  TEXT NOT NULL DEFAULT 'choose_method',
    request_url            TEXT NOT NULL,
    return_to              TEXT NOT NULL DEFAULT '',
    issued_at              TIMESTAMPTZ NOT NULL,
    expires_at             TIMESTAMPTZ NOT NULL,
    active_method          TEXT NOT NULL DEFAULT '',
    csrf_token_hash        TEXT NOT NULL DEFAULT '',
    forced                 BOOLEAN NOT NULL DEFAULT false,
    requested_aal          TEXT NOT NULL DEFAULT 'aal1',
    ui                     JSONB NOT NULL DEFAULT '{}',
    internal_context       JSONB NOT NULL DEFAULT '{}',
    oauth2_login_challenge TEXT,
    organization_id        UUID,
    submit_count           INTEGER NOT NULL DEFAULT 0,
    created_at             TIMESTAMPTZ NOT NULL,
    updated_at             TIMESTAMPTZ NOT NULL
);

CREATE TABLE selfservice_registration_flows (
    id                     UUID NOT NULL PRIMARY KEY,
    nid                    UUID NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    type                   TEXT NOT NULL DEFAULT 'browser',
    state                  TEXT NOT NULL DEFAULT 'choose_method',
    request_url            TEXT NOT NULL,
    return_to              TEXT NOT NULL DEFAULT '',
    issued_at              TIMESTAMPTZ NOT NULL,
    expires_at             TIMESTAMPTZ NOT NULL,
    active_method          TEXT NOT NULL DEFAULT '',
    csrf_token_hash        TEXT NOT NULL DEFAULT '',
    ui                     JSONB NOT NULL DEFAULT '{}',
    internal_context       JSONB NOT NULL DEFAULT '{}',
    oauth2_login_challenge TEXT,
    organization_id        UUID,
    submit_count           INTEGER NOT NULL DEFAULT 0,
    created_at             TIMESTAMPTZ NOT NULL,
    updated_at             TIMESTAMPTZ NOT NULL
);

CREATE TABLE selfservice_settings_flows (
    id               UUID NOT NULL PRIMARY KEY,
    nid              UUID NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    identity_id      UUID NOT NULL REFERENCES identities (id) ON DELETE CASCADE,
    type             TEXT NOT NULL DEFAULT 'browser',
    state            TEXT NOT NULL DEFAULT 'show_form',
    request_url      TEXT NOT NULL,
    return_to        TEXT NOT NULL DEFAULT '',
    issued_at        TIMESTAMPTZ NOT NULL,
    expires_at       TIMESTAMPTZ NOT NULL,
    active_method    TEXT NOT NULL DEFAULT '',
    csrf_token_hash  TEXT NOT NULL DEFAULT '',
    ui               JSONB NOT NULL DEFAULT '{}',
    internal_context JSONB NOT NULL DEFAULT '{}',
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX selfservice_settings_flows_identity_nid_idx ON selfservice_settings_flows (identity_id, nid);

CREATE TABLE selfservice_recovery_flows (
    id                    UUID NOT NULL PRIMARY KEY,
    nid                   UUID NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    recovered_identity_id UUID REFERENCES identities (id) ON DELETE CASCADE,
    type                  TEXT NOT NULL DEFAULT 'browser',
    state                 TEXT NOT NULL DEFAULT 'choose_method',
    request_url           TEXT NOT NULL,
    return_to             TEXT NOT NULL DEFAULT '',
    issued_at             TIMESTAMPTZ NOT NULL,
    expires_at            TIMESTAMPTZ NOT NULL,
    active_method         TEXT NOT NULL DEFAULT '',
    csrf_token_hash       TEXT NOT NULL DEFAULT '',
    ui                    JSONB NOT NULL DEFAULT '{}',
    internal_context      JSONB NOT NULL DEFAULT '{}',
    submit_count          INTEGER NOT NULL DEFAULT 0,
    created_at            TIMESTAMPTZ NOT NULL,
    updated_at            TIMESTAMPTZ NOT NULL
);
CREATE INDEX selfservice_recovery_flows_recovered_identity_idx ON selfservice_recovery_flows (recovered_identity_id);

CREATE TABLE selfservice_verification_flows (
    id               UUID NOT NULL PRIMARY KEY,
    nid              UUID NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    type             TEXT NOT NULL DEFAULT 'browser',
    state            TEXT NOT NULL DEFAULT 'choose_method',
    request_url      TEXT NOT NULL,
    return_to        TEXT NOT NULL DEFAULT '',
    issued_at        TIMESTAMPTZ NOT NULL,
    expires_at       TIMESTAMPTZ NOT NULL,
    active_method    TEXT NOT NULL DEFAULT '',
    csrf_token_hash  TEXT NOT NULL DEFAULT '',
    ui               JSONB NOT NULL DEFAULT '{}',
    internal_context JSONB NOT NULL DEFAULT '{}',
    submit_count     INTEGER NOT NULL DEFAULT 0,
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL
);

CREATE TABLE selfservice_errors (
    id              UUID NOT NULL PRIMARY KEY,
    nid             UUID NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    errors          JSONB NOT NULL,
    seen_at         TIMESTAMPTZ,
    was_seen        BOOLEAN NOT NULL DEFAULT false,
    csrf_token_hash TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);

CREATE TABLE continuity_containers (
    id          UUID NOT NULL PRIMARY KEY,
    nid         UUID NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    identity_id UUID REFERENCES identities (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    payload     JSONB,
    expires_at  TIMESTAMPTZ NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX continuity_containers_identity_nid_idx ON continuity_containers (identity_id, nid);

CREATE TABLE courier_messages (
    id            UUID NOT NULL PRIMARY KEY,
    nid           UUID NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    type          INTEGER NOT NULL,
    status        INTEGER NOT NULL,
    body          TEXT NOT NULL,
    subject       TEXT NOT NULL,
    recipient     TEXT NOT NULL,
    template_type TEXT NOT NULL DEFAULT '',
    template_data BYTEA,
    send_count    INTEGER NOT NULL DEFAULT 0,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);
-- The dispatcher takes queued messages oldest first.
CREATE INDEX courier_messages_nid_status_created_at_idx ON courier_messages (nid, status, created_at);

CREATE TABLE identity_recovery_tokens (
    id                           UUID NOT NULL PRIMARY KEY,
    nid                          UUID NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    identity_id                  UUID NOT NULL REFERENCES identities (id) ON DELETE CASCADE,
    identity_recovery_address_id UUID REFERENCES identity_recovery_addresses (id) ON DELETE CASCADE,
    selfservice_recovery_flow_id UUID REFERENCES selfservice_recovery_flows (id) ON DELETE CASCADE,
    token_hash                   TEXT NOT NULL,
    token_type                   INTEGER NOT NULL DEFAULT 1,
    used                         BOOLEAN NOT NULL DEFAULT false,
    used_at                      TIMESTAMPTZ,
    issued_at                    TIMESTAMPTZ NOT NULL,
    expires_at                   TIMESTAMPTZ NOT NULL,
    created_at                   TIMESTAMPTZ NOT NULL,
    updated_at                   TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX identity_recovery_tokens_token_hash_uq ON identity_recovery_tokens (token_hash);
CREATE INDEX identity_recovery_tokens_identity_idx ON identity_recovery_tokens (identity_id);
CREATE INDEX identity_recovery_tokens_address_idx ON identity_recovery_tokens (identity_recovery_address_id);
CREATE INDEX identity_recovery_tokens_flow_idx ON identity_recovery_tokens (selfservice_recovery_flow_id);

CREATE TABLE identity_verification_tokens (
    id                               UUID NOT NULL PRIMARY KEY,
    nid                              UUID NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    identity_verifiable_address_id   UUID NOT NULL REFERENCES identity_verifiable_addresses (id) ON DELETE CASCADE,
    selfservice_verification_flow_id UUID REFERENCES selfservice_verification_flows (id) ON DELETE CASCADE,
    token_hash                       TEXT NOT NULL,
    used                             BOOLEAN NOT NULL DEFAULT false,
    used_at                          TIMESTAMPTZ,
    issued_at                        TIMESTAMPTZ NOT NULL,
    expires_at                       TIMESTAMPTZ NOT NULL,
    created_at                       TIMESTAMPTZ NOT NULL,
    updated_at                       TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX identity_verification_tokens_token_hash_uq ON identity_verification_tokens (token_hash);
CREATE INDEX identity_verification_tokens_address_idx ON identity_verification_tokens (identity_verifiable_address_id);
CREATE INDEX identity_verification_tokens_flow_idx ON identity_verification_tokens (selfservice_verification_flow_id);

-- D18: failed-login counters per key (e.g. a hashed identifier or a client
-- address) shared by every node. One row per key and network.
CREATE TABLE login_throttle (
    nid               UUID NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    throttle_key      TEXT NOT NULL,
    attempts          INTEGER NOT NULL DEFAULT 0,
    window_started_at TIMESTAMPTZ NOT NULL,
    locked_until      TIMESTAMPTZ,
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (nid, throttle_key)
);
-- Sweeping stale counters.
CREATE INDEX login_throttle_updated_at_idx ON login_throttle (updated_at);

-- +goose Down
DROP TABLE login_throttle;
DROP TABLE identity_verification_tokens;
DROP TABLE identity_recovery_tokens;
DROP TABLE courier_messages;
DROP TABLE continuity_containers;
DROP TABLE selfservice_errors;
DROP TABLE selfservice_verification_flows;
DROP TABLE selfservice_recovery_flows;
DROP TABLE selfservice_settings_flows;
DROP TABLE selfservice_registration_flows;
DROP TABLE selfservice_login_flows;
DROP TABLE session_devices;
DROP TABLE sessions;
