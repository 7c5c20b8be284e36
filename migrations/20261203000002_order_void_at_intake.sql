-- A parcel found at intake whose order is void (rule 20) is marked on its intake
-- row, at intake or when the order becomes void later, so that a sorting center's
-- discrepancies read only those rows (a partial index of the few) instead of joining
-- every intake row of the day with the parcels and their orders (BENCHMARKS.md,
-- "Growth").
ALTER TABLE intake_parcel ADD COLUMN order_void BIGINT NOT NULL DEFAULT 0 CHECK (order_void IN (0, 1));
UPDATE intake_parcel SET order_void = 1
 WHERE EXISTS (
   SELECT 1 FROM parcel p
     JOIN seller_order o ON o.seller_id = p.seller_id AND o.order_id = p.order_id
    WHERE p.tracking_number = intake_parcel.tracking_number
      AND o.status IN ('invalid', 'cancelled'));
CREATE INDEX intake_parcel_order_void ON intake_parcel (sorting_center, received_at_ms) WHERE order_void = 1;
