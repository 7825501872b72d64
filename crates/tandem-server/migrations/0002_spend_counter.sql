-- The count of nonce spends committed (presignature halves deleted by their signature,
-- saved session states taken by their step), mirrored after each commit to the spend
-- anchor outside the database: a database restored from an older copy counts fewer spends
-- than its anchor (src/anchor.rs).
CREATE TABLE spend_counter (
    id BIGINT PRIMARY KEY,
    spends BIGINT NOT NULL
);
INSERT INTO spend_counter (id, spends) VALUES (1, 0);

-- The count of the spend an idempotency answer came from (NULL: an answer that spent no
-- stored nonce): the anchor is raised to it before the answer is sent again.
ALTER TABLE idempotency ADD COLUMN spends BIGINT;
