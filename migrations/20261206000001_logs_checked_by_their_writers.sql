-- The event log and the handovers' histories lose their foreign keys (BENCHMARKS.md,
-- "Scans read by key"). Both are append-only logs written a hundred rows at a time
-- by a batch of scans, and PostgreSQL checked every row against its parent, one
-- lookup a row: about 15 % of what a 100-pickup request costs the database. Every row
-- is still written only where its parent is known to exist (docs/operations.md,
-- "Scan writers"):
--
-- * an event is numbered from its seller's counter row in the same statement or
--   transaction (`store/events.rs`), and that row keeps its foreign key to `seller`;
-- * a history line is written in the transaction that has just locked or changed its
--   handover's row, and the archive moves a handover's lines before the handover.
--
-- Neither log is referenced by another table. SQLite cannot drop a constraint, so
-- each table is rebuilt, on both databases alike: same columns in the same order (the
-- archive copies `handover_event.*`), same rows, same indexes.
CREATE TABLE event_next (
    seller_id     TEXT NOT NULL,
    seq           BIGINT NOT NULL,
    event_id      TEXT NOT NULL,
    event_type    TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL,
    data          TEXT NOT NULL,
    dedup_key     TEXT,
    PRIMARY KEY (seller_id, seq)
);
INSERT INTO event_next (seller_id, seq, event_id, event_type, created_at_ms, data, dedup_key)
SELECT seller_id, seq, event_id, event_type, created_at_ms, data, dedup_key FROM event;
DROP TABLE event;
ALTER TABLE event_next RENAME TO event;
CREATE UNIQUE INDEX event_by_id ON event (event_id);
CREATE INDEX event_by_type ON event (seller_id, event_type, seq);
CREATE UNIQUE INDEX event_by_dedup_key ON event (dedup_key) WHERE dedup_key IS NOT NULL;

CREATE TABLE handover_event_next (
    handover_event_id TEXT PRIMARY KEY,
    handover_id       TEXT NOT NULL,
    at_ms             BIGINT NOT NULL,
    actor_role        TEXT NOT NULL,
    actor_id          TEXT NOT NULL,
    action            TEXT NOT NULL,
    detail            TEXT
);
INSERT INTO handover_event_next (handover_event_id, handover_id, at_ms, actor_role, actor_id, action, detail)
SELECT handover_event_id, handover_id, at_ms, actor_role, actor_id, action, detail FROM handover_event;
DROP TABLE handover_event;
ALTER TABLE handover_event_next RENAME TO handover_event;
CREATE INDEX handover_event_by_handover ON handover_event (handover_id, at_ms);
