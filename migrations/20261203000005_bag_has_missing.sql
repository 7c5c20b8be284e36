-- Whether parcels of a received bag were missing at its intake, set by the intake
-- itself, so a sorting center's missing parcels of a day are read from the few bags
-- that have any (a partial index) rather than from every bag it received that day
-- (BENCHMARKS.md, "Growth").
ALTER TABLE bag ADD COLUMN has_missing BIGINT NOT NULL DEFAULT 0 CHECK (has_missing IN (0, 1));
UPDATE bag SET has_missing = 1
 WHERE EXISTS (SELECT 1 FROM parcel p WHERE p.bag_id = bag.bag_id AND p.intake_status = 'missing');
CREATE INDEX bag_missing_by_center ON bag (sorting_center, received_at_ms) WHERE has_missing = 1;
-- The archive keeps the live table's columns, in order.
ALTER TABLE archived_bag ADD COLUMN has_missing BIGINT;
