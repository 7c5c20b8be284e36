-- The archive of closed handovers (docs/operations.md, "Retention"). `firstmile
-- archive` moves a received or cancelled handover whose pickup month has left the
-- retention window, with its bags, the parcels in them, their intake rows, scan
-- events, history and decided claims, into these tables, in one transaction per
-- chunk. Each archive table is its live table's columns after `archive_month`
-- (`YYYY-MM` of the pickup date): an operator exports and drops a month with
-- `WHERE archive_month = '...'`. A migration that adds a column to a live table adds
-- it here too, at the end (the archive's `INSERT ... SELECT *` fails loudly
-- otherwise, and `tests/api/retention.rs` with it).
CREATE TABLE archived_handover AS SELECT CAST('' AS TEXT) AS archive_month, t.* FROM handover t WHERE 1 = 0;
CREATE TABLE archived_bag AS SELECT CAST('' AS TEXT) AS archive_month, t.* FROM bag t WHERE 1 = 0;
CREATE TABLE archived_parcel AS SELECT CAST('' AS TEXT) AS archive_month, t.* FROM parcel t WHERE 1 = 0;
CREATE TABLE archived_intake_parcel AS SELECT CAST('' AS TEXT) AS archive_month, t.* FROM intake_parcel t WHERE 1 = 0;
CREATE TABLE archived_scan_event AS SELECT CAST('' AS TEXT) AS archive_month, t.* FROM scan_event t WHERE 1 = 0;
CREATE TABLE archived_handover_event AS SELECT CAST('' AS TEXT) AS archive_month, t.* FROM handover_event t WHERE 1 = 0;
CREATE TABLE archived_claim AS SELECT CAST('' AS TEXT) AS archive_month, t.* FROM claim t WHERE 1 = 0;
CREATE INDEX archived_handover_by_month ON archived_handover (archive_month, handover_id);
CREATE INDEX archived_bag_by_month ON archived_bag (archive_month);
CREATE INDEX archived_parcel_by_month ON archived_parcel (archive_month);
CREATE INDEX archived_parcel_by_tracking ON archived_parcel (tracking_number);
CREATE INDEX archived_intake_parcel_by_month ON archived_intake_parcel (archive_month);
CREATE INDEX archived_scan_event_by_month ON archived_scan_event (archive_month);
CREATE INDEX archived_handover_event_by_month ON archived_handover_event (archive_month);
CREATE INDEX archived_claim_by_month ON archived_claim (archive_month);
-- Which handovers still have an open claim (they are never archived).
CREATE INDEX claim_by_bag ON claim (bag_id, status);
