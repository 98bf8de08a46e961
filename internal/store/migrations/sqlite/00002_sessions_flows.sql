-- Sessions, self-service flows, tokens, errors, continuity, courier and
-- login throttling (foundation §12; decisions D16, D18, D19).
-- Secrets (session and logout tokens, CSRF tokens, recovery and verification
-- tokens) are stored only as hashes (D16): the columns are named *_hash.
-- Types as in 00001: TEXT ids/JSON/times, INTEGER booleans, BLOB bytes.

-- +goose Up
CREATE TABLE sessions (
    id                     TEXT NOT NULL PRIMARY KEY,
    nid                    TEXT NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    identity_id            TEXT NOT NULL REFERENCES identities (id) ON DELETE CASCADE,
    token_hash             TEXT NOT NULL,
    logout_token_hash      TEXT NOT NULL,
    active                 INTEGER NOT NULL DEFAULT 0,
    aal                    TEXT NOT NULL DEFAULT 'aal1',
    authentication_methods TEXT NOT NULL DEFAULT '[]',
    issued_at              TEXT NOT NULL,
    expires_at             TEXT NOT NULL,
    authenticated_at       TEXT NOT NULL,
    created_at             TEXT NOT NULL,
    updated_at             TEXT NOT NULL
) STRICT;
-- Lookup by token (whoami) and by logout token: the unique indexes serve the
-- `token_hash = $ AND nid = $` lookups directly.
CREATE UNIQUE INDEX sessions_token_hash_uq ON sessions (token_hash);
CREATE UNIQUE INDEX sessions_logout_token_hash_uq ON sessions (logout_token_hash);
CREATE INDEX sessions_identity_nid_idx ON sessions (identity_id, nid);
CREATE INDEX sessions_nid_created_at_id_idx ON sessions (nid, created_at DESC, id);

CREATE TABLE session_devices (
    id         TEXT NOT NULL PRIMARY KEY,
    nid        TEXT NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    ip_address TEXT NOT NULL DEFAULT '',
    user_agent TEXT NOT NULL DEFAULT '',
    location   TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;
CREATE INDEX session_devices_session_nid_idx ON session_devices (session_id, nid);

CREATE TABLE selfservice_login_flows (
    id                     TEXT NOT NULL PRIMARY KEY,
    nid                    TEXT NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    type                   TEXT NOT NULL DEFAULT 'browser',
    state                  TEXT NOT NULL DEFAULT 'choose_method',
    request_url            TEXT NOT NULL,
    return_to              TEXT NOT NULL DEFAULT '',
    issued_at              TEXT NOT NULL,
    expires_at             TEXT NOT NULL,
    active_method          TEXT NOT NULL DEFAULT '',
    csrf_token_hash        TEXT NOT NULL DEFAULT '',
    forced                 INTEGER NOT NULL DEFAULT 0,
    requested_aal          TEXT NOT NULL DEFAULT 'aal1',
    ui                     TEXT NOT NULL DEFAULT '{}',
    internal_context       TEXT NOT NULL DEFAULT '{}',
    oauth2_login_challenge TEXT,
    organization_id        TEXT,
    submit_count           INTEGER NOT NULL DEFAULT 0,
    created_at             TEXT NOT NULL,
    updated_at             TEXT NOT NULL
) STRICT;

CREATE TABLE selfservice_registration_flows (
    id                     TEXT NOT NULL PRIMARY KEY,
    nid                    TEXT NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    type                   TEXT NOT NULL DEFAULT 'browser',
    state                  TEXT NOT NULL DEFAULT 'choose_method',
    request_url            TEXT NOT NULL,
    return_to              TEXT NOT NULL DEFAULT '',
    issued_at              TEXT NOT NULL,
    expires_at             TEXT NOT NULL,
    active_method          TEXT NOT NULL DEFAULT '',
    csrf_token_hash        TEXT NOT NULL DEFAULT '',
    ui                     TEXT NOT NULL DEFAULT '{}',
    internal_context       TEXT NOT NULL DEFAULT '{}',
    oauth2_login_challenge TEXT,
    organization_id        TEXT,
    submit_count           INTEGER NOT NULL DEFAULT 0,
    created_at             TEXT NOT NULL,
    updated_at             TEXT NOT NULL
) STRICT;

CREATE TABLE selfservice_settings_flows (
    id               TEXT NOT NULL PRIMARY KEY,
    nid              TEXT NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    identity_id      TEXT NOT NULL REFERENCES identities (id) ON DELETE CASCADE,
    type             TEXT NOT NULL DEFAULT 'browser',
    state            TEXT NOT NULL DEFAULT 'show_form',
    request_url      TEXT NOT NULL,
    return_to        TEXT NOT NULL DEFAULT '',
    issued_at        TEXT NOT NULL,
    expires_at       TEXT NOT NULL,
    active_method    TEXT NOT NULL DEFAULT '',
    csrf_token_hash  TEXT NOT NULL DEFAULT '',
    ui               TEXT NOT NULL DEFAULT '{}',
    internal_context TEXT NOT NULL DEFAULT '{}',
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
) STRICT;
CREATE INDEX selfservice_settings_flows_identity_nid_idx ON selfservice_settings_flows (identity_id, nid);

CREATE TABLE selfservice_recovery_flows (
    id                    TEXT NOT NULL PRIMARY KEY,
    nid                   TEXT NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    recovered_identity_id TEXT REFERENCES identities (id) ON DELETE CASCADE,
    type                  TEXT NOT NULL DEFAULT 'browser',
    state                 TEXT NOT NULL DEFAULT 'choose_method',
    request_url           TEXT NOT NULL,
    return_to             TEXT NOT NULL DEFAULT '',
    issued_at             TEXT NOT NULL,
    expires_at            TEXT NOT NULL,
    active_method         TEXT NOT NULL DEFAULT '',
    csrf_token_hash       TEXT NOT NULL DEFAULT '',
    ui                    TEXT NOT NULL DEFAULT '{}',
    internal_context      TEXT NOT NULL DEFAULT '{}',
    submit_count          INTEGER NOT NULL DEFAULT 0,
    created_at            TEXT NOT NULL,
    updated_at            TEXT NOT NULL
) STRICT;
CREATE INDEX selfservice_recovery_flows_recovered_identity_idx ON selfservice_recovery_flows (recovered_identity_id);

CREATE TABLE selfservice_verification_flows (
    id               TEXT NOT NULL PRIMARY KEY,
    nid              TEXT NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    type             TEXT NOT NULL DEFAULT 'browser',
    state            TEXT NOT NULL DEFAULT 'choose_method',
    request_url      TEXT NOT NULL,
    return_to        TEXT NOT NULL DEFAULT '',
    issued_at        TEXT NOT NULL,
    expires_at       TEXT NOT NULL,
    active_method    TEXT NOT NULL DEFAULT '',
    csrf_token_hash  TEXT NOT NULL DEFAULT '',
    ui               TEXT NOT NULL DEFAULT '{}',
    internal_context TEXT NOT NULL DEFAULT '{}',
    submit_count     INTEGER NOT NULL DEFAULT 0,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
) STRICT;

CREATE TABLE selfservice_errors (
    id              TEXT NOT NULL PRIMARY KEY,
    nid             TEXT NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    errors          TEXT NOT NULL,
    seen_at         TEXT,
    was_seen        INTEGER NOT NULL DEFAULT 0,
    csrf_token_hash TEXT NOT NULL DEFAULT '',
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
) STRICT;

CREATE TABLE continuity_containers (
    id          TEXT NOT NULL PRIMARY KEY,
    nid         TEXT NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    identity_id TEXT REFERENCES identities (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    payload     TEXT,
    expires_at  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
) STRICT;
CREATE INDEX continuity_containers_identity_nid_idx ON continuity_containers (identity_id, nid);

CREATE TABLE courier_messages (
    id            TEXT NOT NULL PRIMARY KEY,
    nid           TEXT NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    type          INTEGER NOT NULL,
    status        INTEGER NOT NULL,
    body          TEXT NOT NULL,
    subject       TEXT NOT NULL,
    recipient     TEXT NOT NULL,
    template_type TEXT NOT NULL DEFAULT '',
    template_data BLOB,
    send_count    INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
) STRICT;
-- The dispatcher takes queued messages oldest first.
CREATE INDEX courier_messages_nid_status_created_at_idx ON courier_messages (nid, status, created_at);

CREATE TABLE identity_recovery_tokens (
    id                           TEXT NOT NULL PRIMARY KEY,
    nid                          TEXT NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    identity_id                  TEXT NOT NULL REFERENCES identities (id) ON DELETE CASCADE,
    identity_recovery_address_id TEXT REFERENCES identity_recovery_addresses (id) ON DELETE CASCADE,
    selfservice_recovery_flow_id TEXT REFERENCES selfservice_recovery_flows (id) ON DELETE CASCADE,
    token_hash                   TEXT NOT NULL,
    token_type                   INTEGER NOT NULL DEFAULT 1,
    used                         INTEGER NOT NULL DEFAULT 0,
    used_at                      TEXT,
    issued_at                    TEXT NOT NULL,
    expires_at                   TEXT NOT NULL,
    created_at                   TEXT NOT NULL,
    updated_at                   TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX identity_recovery_tokens_token_hash_uq ON identity_recovery_tokens (token_hash);
CREATE INDEX identity_recovery_tokens_identity_idx ON identity_recovery_tokens (identity_id);
CREATE INDEX identity_recovery_tokens_address_idx ON identity_recovery_tokens (identity_recovery_address_id);
CREATE INDEX identity_recovery_tokens_flow_idx ON identity_recovery_tokens (selfservice_recovery_flow_id);

CREATE TABLE identity_verification_tokens (
    id                               TEXT NOT NULL PRIMARY KEY,
    nid                              TEXT NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    identity_verifiable_address_id   TEXT NOT NULL REFERENCES identity_verifiable_addresses (id) ON DELETE CASCADE,
    selfservice_verification_flow_id TEXT REFERENCES selfservice_verification_flows (id) ON DELETE CASCADE,
    token_hash                       TEXT NOT NULL,
    used                             INTEGER NOT NULL DEFAULT 0,
    used_at                          TEXT,
    issued_at                        TEXT NOT NULL,
    expires_at                       TEXT NOT NULL,
    created_at                       TEXT NOT NULL,
    updated_at                       TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX identity_verification_tokens_token_hash_uq ON identity_verification_tokens (token_hash);
CREATE INDEX identity_verification_tokens_address_idx ON identity_verification_tokens (identity_verifiable_address_id);
CREATE INDEX identity_verification_tokens_flow_idx ON identity_verification_tokens (selfservice_verification_flow_id);

-- D18: failed-login counters per key (e.g. a hashed identifier or a client
-- address) shared by every node. One row per key and network.
CREATE TABLE login_throttle (
    nid               TEXT NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    throttle_key      TEXT NOT NULL,
    attempts          INTEGER NOT NULL DEFAULT 0,
    window_started_at TEXT NOT NULL,
    locked_until      TEXT,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    PRIMARY KEY (nid, throttle_key)
) STRICT;
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
