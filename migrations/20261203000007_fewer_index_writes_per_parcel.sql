-- Fewer index entries written for each parcel an intake records (BENCHMARKS.md, "A
-- 300-parcel intake"):
--
-- 1. The event log's `dedup_key` is set only on events that several servers may find
--    due (bag.overdue), yet its UNIQUE constraint indexed every event, NULL keys
--    included (both databases index NULLs). It becomes a partial unique index over
--    the keys that are set. SQLite cannot drop a column constraint, so the table is
--    rebuilt, on both databases alike: same columns, same rows, same numbers.
CREATE TABLE event_rebuilt (
    seller_id     TEXT NOT NULL REFERENCES seller (seller_id),
    seq           BIGINT NOT NULL,
    event_id      TEXT NOT NULL UNIQUE,
    event_type    TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL,
    data          TEXT NOT NULL,
    dedup_key     TEXT,
    PRIMARY KEY (seller_id, seq)
);
INSERT INTO event_rebuilt (seller_id, seq, event_id, event_type, created_at_ms, data, dedup_key)
SELECT seller_id, seq, event_id, event_type, created_at_ms, data, dedup_key FROM event;
DROP TABLE event;
ALTER TABLE event_rebuilt RENAME TO event;
CREATE INDEX event_by_type ON event (seller_id, event_type, seq);
CREATE UNIQUE INDEX event_by_dedup_key ON event (dedup_key) WHERE dedup_key IS NOT NULL;

-- 2. Intake rows by tracking number are read only for parcels found in a bag they were
--    not registered in (a parcel's timeline; orders voided after the intake find the
--    rows of registered parcels by their bag, through the primary key).
DROP INDEX intake_parcel_by_tracking;
CREATE INDEX intake_parcel_unregistered_by_tracking ON intake_parcel (tracking_number) WHERE registered = 0;
