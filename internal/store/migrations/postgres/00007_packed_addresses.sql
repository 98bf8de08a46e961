-- SQLite keeps each identity's addresses packed on its row for whoami (see
-- migrations/sqlite/00007_packed_addresses.sql). PostgreSQL reads them in
-- whoami's statement as before: there the statement's cost is the network
-- round trip, not its subqueries. This file keeps the two dialects'
-- migration versions in step.

-- +goose Up
SELECT 1;

-- +goose Down
SELECT 1;
