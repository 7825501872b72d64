-- Tandem server schema, version 1. Portable SQL: the same file runs on SQLite and on
-- PostgreSQL (BYTEA is a blob column in both; every time is Unix seconds in a BIGINT).
-- Every column holding a secret is sealed by the server's KMS (AES-256-GCM, bound to its
-- table, row and column); nothing secret is stored in clear.

CREATE TABLE clients (
    client_id TEXT PRIMARY KEY,
    -- SHA-256 of the API key (a 256-bit random secret): compared in constant time.
    api_key_hash BYTEA NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE wallets (
    client_id TEXT PRIMARY KEY REFERENCES clients (client_id),
    -- NULL, 'STORED_DATABASE' (the server stored its shares, the client has not confirmed
    -- its own) or 'STORED_CLIENT'.
    signing_status TEXT,
    -- NULL, 'STORED_CUSTODIAN_BACKUP_SHARE' or 'STORED_CLIENT_BACKUP_SHARE'.
    backup_status TEXT,
    -- Public keys (33-byte compressed secp256k1, 32-byte Ed25519), fixed at generation.
    secp256k1_public_key BYTEA NOT NULL,
    ed25519_public_key BYTEA NOT NULL,
    -- The current signing pair: the server's shares (sealed) and the sharing ids (hex).
    secp256k1_share BYTEA,
    ed25519_share BYTEA,
    secp256k1_sharing_id TEXT,
    ed25519_sharing_id TEXT,
    -- A new pair (generate, recover, refresh) pending the client's confirmation: the
    -- current pair keeps signing until the client confirms.
    pending_secp256k1_share BYTEA,
    pending_ed25519_share BYTEA,
    pending_secp256k1_sharing_id TEXT,
    pending_ed25519_sharing_id TEXT,
    -- The current backup pair (sharing ids, the kind of key sealing the client's share), and
    -- a new one whose custodian shares are stored while the client has not yet stored its
    -- sealed shares: the current pair stays usable until then.
    backup_key_kind TEXT,
    secp256k1_backup_sharing_id TEXT,
    ed25519_backup_sharing_id TEXT,
    pending_backup_key_kind TEXT,
    pending_secp256k1_backup_sharing_id TEXT,
    pending_ed25519_backup_sharing_id TEXT,
    updated_at BIGINT NOT NULL
);

-- Backup shares by sharing id: the custodian's (sealed under the custodian key; NULL when the
-- organization's webhook holds it) and the client's envelope (sealed by the client under its
-- password or key; stored for the client, as the seeds' provider does).
CREATE TABLE backup_shares (
    client_id TEXT NOT NULL REFERENCES clients (client_id),
    curve TEXT NOT NULL,
    sharing_id TEXT NOT NULL,
    custodian_share BYTEA,
    client_envelope BYTEA,
    PRIMARY KEY (client_id, curve, sharing_id)
);

-- Half-finished protocol sessions: the server's saved state between two messages (sealed,
-- bound to the session id, client, operation and step). A step is taken by one conditional
-- UPDATE or DELETE on (session_id, step): of two racing requests exactly one wins.
CREATE TABLE sessions (
    session_id TEXT PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients (client_id),
    operation TEXT NOT NULL,
    step BIGINT NOT NULL,
    state BYTEA NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_by_client ON sessions (client_id, expires_at);

-- The server's presignature halves (sealed), spent by DELETE ... RETURNING.
CREATE TABLE presignatures (
    client_id TEXT NOT NULL REFERENCES clients (client_id),
    presignature_id TEXT NOT NULL,
    sharing_id TEXT NOT NULL,
    data BYTEA NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (client_id, presignature_id)
);

-- Answers of signing and presigning requests by idempotency key.
CREATE TABLE idempotency (
    client_id TEXT NOT NULL REFERENCES clients (client_id),
    idempotency_key TEXT NOT NULL,
    request_hash BYTEA NOT NULL,
    response BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (client_id, idempotency_key)
);

-- Paillier keys made ahead of time (sealed), each taken once.
CREATE TABLE paillier_keys (
    key_id TEXT PRIMARY KEY,
    data BYTEA NOT NULL,
    created_at BIGINT NOT NULL
);
