-- whoami reads one session row and one identity row (issue 3: "one indexed
-- read of session + identity"). On SQLite the identity's addresses used to
-- come from two correlated subqueries in that read, which cost as much as
-- the rest of it; they are now kept on the identity row as one JSON text,
-- in the shape whoami's statement reads (store/session_whoami.go):
--
--	[[[id, via, value, verified, status, verified_at, created_at, updated_at], …],
--	 [[id, via, value, created_at, updated_at], …]]
--
-- Triggers keep it, so every write of an address table (the store's, a
-- cascade, a hand-written fix) updates it in the same transaction, and the
-- address tables stay the truth every other read and every lookup by value
-- uses. PostgreSQL has no such column (its 00007 is empty): there whoami's
-- cost is the network round trip, not the subqueries.

-- +goose Up
ALTER TABLE identities ADD COLUMN packed_addresses TEXT NOT NULL DEFAULT '[[],[]]';

CREATE VIEW identity_packed_addresses AS
SELECT i.id, i.nid, '[' ||
    (SELECT json_group_array(json_array(v.id, v.via, v.value, v.verified, v.status,
        v.verified_at, v.created_at, v.updated_at))
        FROM identity_verifiable_addresses v WHERE v.identity_id = i.id AND v.nid = i.nid) || ',' ||
    (SELECT json_group_array(json_array(r.id, r.via, r.value, r.created_at, r.updated_at))
        FROM identity_recovery_addresses r WHERE r.identity_id = i.id AND r.nid = i.nid) || ']' AS packed
FROM identities i;

UPDATE identities SET packed_addresses = (SELECT p.packed FROM identity_packed_addresses p
    WHERE p.id = identities.id AND p.nid = identities.nid);

-- +goose StatementBegin
CREATE TRIGGER identity_verifiable_addresses_packed_ai AFTER INSERT ON identity_verifiable_addresses BEGIN
    UPDATE identities SET packed_addresses = (SELECT p.packed FROM identity_packed_addresses p
        WHERE p.id = identities.id AND p.nid = identities.nid)
    WHERE id = NEW.identity_id AND nid = NEW.nid;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER identity_verifiable_addresses_packed_au AFTER UPDATE ON identity_verifiable_addresses BEGIN
    UPDATE identities SET packed_addresses = (SELECT p.packed FROM identity_packed_addresses p
        WHERE p.id = identities.id AND p.nid = identities.nid)
    WHERE (id = NEW.identity_id AND nid = NEW.nid) OR (id = OLD.identity_id AND nid = OLD.nid);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER identity_verifiable_addresses_packed_ad AFTER DELETE ON identity_verifiable_addresses BEGIN
    UPDATE identities SET packed_addresses = (SELECT p.packed FROM identity_packed_addresses p
        WHERE p.id = identities.id AND p.nid = identities.nid)
    WHERE id = OLD.identity_id AND nid = OLD.nid;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER identity_recovery_addresses_packed_ai AFTER INSERT ON identity_recovery_addresses BEGIN
    UPDATE identities SET packed_addresses = (SELECT p.packed FROM identity_packed_addresses p
        WHERE p.id = identities.id AND p.nid = identities.nid)
    WHERE id = NEW.identity_id AND nid = NEW.nid;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER identity_recovery_addresses_packed_au AFTER UPDATE ON identity_recovery_addresses BEGIN
    UPDATE identities SET packed_addresses = (SELECT p.packed FROM identity_packed_addresses p
        WHERE p.id = identities.id AND p.nid = identities.nid)
    WHERE (id = NEW.identity_id AND nid = NEW.nid) OR (id = OLD.identity_id AND nid = OLD.nid);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER identity_recovery_addresses_packed_ad AFTER DELETE ON identity_recovery_addresses BEGIN
    UPDATE identities SET packed_addresses = (SELECT p.packed FROM identity_packed_addresses p
        WHERE p.id = identities.id AND p.nid = identities.nid)
    WHERE id = OLD.identity_id AND nid = OLD.nid;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER identity_recovery_addresses_packed_ad;
DROP TRIGGER identity_recovery_addresses_packed_au;
DROP TRIGGER identity_recovery_addresses_packed_ai;
DROP TRIGGER identity_verifiable_addresses_packed_ad;
DROP TRIGGER identity_verifiable_addresses_packed_au;
DROP TRIGGER identity_verifiable_addresses_packed_ai;
DROP VIEW identity_packed_addresses;
ALTER TABLE identities DROP COLUMN packed_addresses;
