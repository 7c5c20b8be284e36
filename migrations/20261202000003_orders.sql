-- Orders, the store cancellation-rate rule and the first-scan SLA (docs/rules.md,
-- rules 20 to 23). Same conventions as the first migration: TEXT ids and days,
-- BIGINT epoch-millisecond times, TEXT vocabularies guarded by CHECK constraints.

-- A seller's order as the order feed last moved it. `day` is the China day of
-- `created_at_ms`, kept so the daily counts are one indexed range.
CREATE TABLE seller_order (
    seller_id       TEXT NOT NULL REFERENCES seller (seller_id),
    order_id        TEXT NOT NULL,
    created_at_ms   BIGINT NOT NULL,
    day             TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'valid', 'invalid', 'cancelled')),
    cancel_reason   TEXT CHECK (cancel_reason IN ('buyer', 'late_intake', 'seller', 'invalid', 'other')),
    cancelled_at_ms BIGINT,
    updated_at_ms   BIGINT NOT NULL,
    PRIMARY KEY (seller_id, order_id)
);
CREATE INDEX seller_order_by_day ON seller_order (seller_id, day);

-- Per seller and China day: orders created that day and those of them cancelled for
-- the buyer or late intake. Recomputed, set-based, for the days a feed batch touches,
-- so the performance view reads one row a day instead of every order.
CREATE TABLE seller_order_day (
    seller_id             TEXT NOT NULL REFERENCES seller (seller_id),
    day                   TEXT NOT NULL,
    orders                BIGINT NOT NULL,
    cancelled_buyer       BIGINT NOT NULL,
    cancelled_late_intake BIGINT NOT NULL,
    PRIMARY KEY (seller_id, day)
);

-- The vacation decision taken for each day, once; kept when late data changes the
-- day's rate afterwards (rule 21).
CREATE TABLE vacation_day (
    seller_id     TEXT NOT NULL REFERENCES seller (seller_id),
    day           TEXT NOT NULL,
    in_vacation   BIGINT NOT NULL CHECK (in_vacation IN (0, 1)),
    reason        TEXT NOT NULL,
    decided_at_ms BIGINT NOT NULL,
    PRIMARY KEY (seller_id, day)
);
CREATE INDEX vacation_day_by_day ON vacation_day (day, in_vacation);

-- Where a seller's decisions stand: the last day decided and the rule's state after it.
CREATE TABLE vacation_state (
    seller_id       TEXT PRIMARY KEY REFERENCES seller (seller_id),
    decided_through TEXT NOT NULL,
    vacation_start  TEXT,
    recovered       BIGINT NOT NULL CHECK (recovered IN (0, 1))
);

-- Ready to ship (RTS) as the seller's ERP reports it at registration: the start of
-- the first-scan lead time when given (else the registration time).
ALTER TABLE parcel ADD COLUMN rts_at_ms BIGINT;
CREATE INDEX parcel_by_order ON parcel (seller_id, order_id);
CREATE INDEX parcel_by_first_scan ON parcel (seller_id, first_scan_at_ms);
