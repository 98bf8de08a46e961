-- Continuity containers (settings-flow §6.5) are found by the browser's
-- ory_kratos_continuity cookie. The cookie holds a random token; the store
-- keeps only its SHA-256 (D16), here, and one container per token and name
-- (a second pause of the same method replaces the first). Rows written
-- before this migration have no token and can never be resumed.

-- +goose Up
ALTER TABLE continuity_containers ADD COLUMN token_hash TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX continuity_containers_nid_token_name_uq
    ON continuity_containers (nid, token_hash, name) WHERE token_hash <> '';

-- +goose Down
DROP INDEX continuity_containers_nid_token_name_uq;
ALTER TABLE continuity_containers DROP COLUMN token_hash;
