-- Indexes for hot paths that read whole tables as they grow (BENCHMARKS.md,
-- "Hot-path plans"):
-- * a sorting center's discrepancies of a day start from the bags it received that
--   day, and find their missing parcels through a partial index of missing parcels
--   only (few, so it costs an intake almost nothing);
-- * a seller's parcel list is read newest first, a page at a time.
CREATE INDEX bag_by_center_received ON bag (sorting_center, received_at_ms);
CREATE INDEX parcel_missing_by_bag ON parcel (bag_id) WHERE intake_status = 'missing';
CREATE INDEX parcel_by_seller_created ON parcel (seller_id, created_at_ms, tracking_number);
-- * its parcels found but not registered in the bag, through a partial index of just
--   those rows (a day's intake rows are millions at a busy center; these are few).
CREATE INDEX intake_parcel_unregistered ON intake_parcel (sorting_center, received_at_ms) WHERE registered = 0;
