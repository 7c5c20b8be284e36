-- "What changed since": every change of a handover, a bag or a parcel sets its
-- `updated_at_ms` (the service clock's time of the change, set by the store's UPDATE
-- statements), and the seller's lists filter on it with `updated_since`.
-- Existing rows start at the latest time the schema already knew of them.
ALTER TABLE handover ADD COLUMN updated_at_ms BIGINT NOT NULL DEFAULT 0;
UPDATE handover SET updated_at_ms = COALESCE(cancelled_at_ms, picked_up_at_ms, created_at_ms);
CREATE INDEX handover_by_seller_updated ON handover (seller_id, updated_at_ms);

ALTER TABLE bag ADD COLUMN updated_at_ms BIGINT NOT NULL DEFAULT 0;
UPDATE bag SET updated_at_ms = COALESCE(received_recorded_at_ms, pickup_recorded_at_ms, created_at_ms);
CREATE INDEX bag_by_seller_updated ON bag (seller_id, updated_at_ms);

ALTER TABLE parcel ADD COLUMN updated_at_ms BIGINT NOT NULL DEFAULT 0;
UPDATE parcel SET updated_at_ms = COALESCE(first_scan_recorded_at_ms, cancelled_at_ms, bagged_at_ms, created_at_ms);
CREATE INDEX parcel_by_seller_updated ON parcel (seller_id, updated_at_ms);
