-- firstmile schema, portable between SQLite and PostgreSQL.
--
-- Conventions (see src/store/mod.rs for why): TEXT ids, BIGINT epoch-millisecond
-- times (`*_at_ms`), BIGINT 0/1 flags, DOUBLE PRECISION coordinates and sizes, TEXT
-- statuses guarded by CHECK constraints. Invariants live here, not only in Rust.

CREATE TABLE api_key (
    key_hash      TEXT PRIMARY KEY,
    role          TEXT NOT NULL CHECK (role IN ('operator', 'seller', 'isv', 'courier', 'sorting_center')),
    principal_id  TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL
);
CREATE INDEX api_key_principal ON api_key (role, principal_id);

CREATE TABLE sorting_center (
    code                  TEXT PRIMARY KEY,
    name                  TEXT NOT NULL,
    name_en               TEXT NOT NULL,
    accepts_consolidation BIGINT NOT NULL CHECK (accepts_consolidation IN (0, 1)),
    city_code             TEXT,
    lat                   DOUBLE PRECISION NOT NULL,
    lon                   DOUBLE PRECISION NOT NULL
);

-- One row per province and per city; an operator's edit overwrites the seeded row.
CREATE TABLE coverage_area (
    code          TEXT PRIMARY KEY,
    level         TEXT NOT NULL CHECK (level IN ('province', 'city')),
    covered       BIGINT NOT NULL CHECK (covered IN (0, 1)),
    launch_date   TEXT,
    announced     BIGINT NOT NULL DEFAULT 0 CHECK (announced IN (0, 1)),
    updated_at_ms BIGINT NOT NULL,
    updated_by    TEXT NOT NULL
);

CREATE TABLE seller (
    seller_id     TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    province_code TEXT NOT NULL,
    city_code     TEXT NOT NULL,
    district      TEXT,
    street        TEXT NOT NULL,
    lat           DOUBLE PRECISION NOT NULL,
    lon           DOUBLE PRECISION NOT NULL,
    created_at_ms BIGINT NOT NULL
);

CREATE TABLE order_volume (
    seller_id TEXT NOT NULL REFERENCES seller (seller_id),
    day       TEXT NOT NULL,
    orders    BIGINT NOT NULL CHECK (orders >= 0),
    PRIMARY KEY (seller_id, day)
);

CREATE TABLE isv (
    isv_id        TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL
);

CREATE TABLE isv_grant (
    seller_id     TEXT NOT NULL REFERENCES seller (seller_id),
    isv_id        TEXT NOT NULL REFERENCES isv (isv_id),
    created_at_ms BIGINT NOT NULL,
    PRIMARY KEY (seller_id, isv_id)
);

CREATE TABLE courier (
    courier_id    TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL
);

CREATE TABLE courier_city (
    courier_id TEXT NOT NULL REFERENCES courier (courier_id),
    city_code  TEXT NOT NULL,
    PRIMARY KEY (courier_id, city_code)
);
CREATE INDEX courier_city_by_city ON courier_city (city_code);

-- A handover keeps a snapshot of the pickup address it was booked for.
CREATE TABLE handover (
    handover_id     TEXT PRIMARY KEY,
    seller_id       TEXT NOT NULL REFERENCES seller (seller_id),
    sorting_center  TEXT NOT NULL REFERENCES sorting_center (code),
    pickup_date     TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('booked', 'picked_up', 'pickup_failed', 'received', 'cancelled')),
    province_code   TEXT NOT NULL,
    city_code       TEXT NOT NULL,
    street          TEXT NOT NULL,
    lat             DOUBLE PRECISION NOT NULL,
    lon             DOUBLE PRECISION NOT NULL,
    failure_reason  TEXT,
    created_at_ms   BIGINT NOT NULL,
    picked_up_at_ms BIGINT,
    cancelled_at_ms BIGINT
);
CREATE INDEX handover_by_seller ON handover (seller_id, created_at_ms, handover_id);
CREATE INDEX handover_by_pickup ON handover (pickup_date, city_code);

CREATE TABLE bag (
    bag_id                   TEXT PRIMARY KEY,
    handover_id              TEXT NOT NULL REFERENCES handover (handover_id),
    seller_id                TEXT NOT NULL REFERENCES seller (seller_id),
    sorting_center           TEXT NOT NULL,
    status                   TEXT NOT NULL CHECK (status IN ('open', 'picked_up', 'received', 'cancelled')),
    length_cm                DOUBLE PRECISION NOT NULL,
    width_cm                 DOUBLE PRECISION NOT NULL,
    height_cm                DOUBLE PRECISION NOT NULL,
    created_at_ms            BIGINT NOT NULL,
    picked_up_at_ms          BIGINT,
    pickup_recorded_at_ms    BIGINT,
    measured_weight_g        BIGINT,
    received_at_ms           BIGINT,
    received_recorded_at_ms  BIGINT,
    pickup_not_reported      BIGINT NOT NULL DEFAULT 0 CHECK (pickup_not_reported IN (0, 1)),
    transit_ms               BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX bag_by_handover ON bag (handover_id);
CREATE INDEX bag_by_seller ON bag (seller_id, status);

-- `bag_id` is the parcel's current bag: one column, so a parcel is in at most one
-- bag by construction. A cancelled handover sets it back to NULL.
CREATE TABLE parcel (
    tracking_number            TEXT PRIMARY KEY,
    seller_id                  TEXT NOT NULL REFERENCES seller (seller_id),
    order_id                   TEXT NOT NULL,
    weight_g                   BIGINT NOT NULL CHECK (weight_g > 0),
    length_cm                  DOUBLE PRECISION NOT NULL CHECK (length_cm > 0),
    width_cm                   DOUBLE PRECISION NOT NULL CHECK (width_cm > 0),
    height_cm                  DOUBLE PRECISION NOT NULL CHECK (height_cm > 0),
    sorting_center             TEXT NOT NULL REFERENCES sorting_center (code),
    status                     TEXT NOT NULL CHECK (status IN ('registered', 'cancelled')),
    bag_id                     TEXT REFERENCES bag (bag_id),
    bagged_at_ms               BIGINT,
    intake_status              TEXT CHECK (intake_status IN ('received', 'missing')),
    first_scan_at_ms           BIGINT,
    first_scan_basis           TEXT CHECK (first_scan_basis IN ('bag_pickup', 'intake')),
    first_scan_recorded_at_ms  BIGINT,
    created_at_ms              BIGINT NOT NULL,
    cancelled_at_ms            BIGINT
);
CREATE INDEX parcel_by_bag ON parcel (bag_id);
CREATE INDEX parcel_by_seller ON parcel (seller_id, status);

-- What a sorting center scanned out of a bag at intake.
CREATE TABLE intake_parcel (
    bag_id           TEXT NOT NULL REFERENCES bag (bag_id),
    tracking_number  TEXT NOT NULL,
    registered       BIGINT NOT NULL CHECK (registered IN (0, 1)),
    sorting_center   TEXT NOT NULL,
    received_at_ms   BIGINT NOT NULL,
    recorded_at_ms   BIGINT NOT NULL,
    PRIMARY KEY (bag_id, tracking_number)
);
CREATE INDEX intake_parcel_by_tracking ON intake_parcel (tracking_number);
CREATE INDEX intake_parcel_by_center ON intake_parcel (sorting_center, received_at_ms);

-- Scan events, idempotent by the posting principal's event id.
CREATE TABLE scan_event (
    principal_id   TEXT NOT NULL,
    event_id       TEXT NOT NULL,
    event_type     TEXT NOT NULL,
    bag_id         TEXT NOT NULL,
    occurred_at_ms BIGINT NOT NULL,
    recorded_at_ms BIGINT NOT NULL,
    accepted       BIGINT NOT NULL CHECK (accepted IN (0, 1)),
    result_code    TEXT NOT NULL,
    result_json    TEXT NOT NULL,
    PRIMARY KEY (principal_id, event_id)
);
CREATE INDEX scan_event_by_bag ON scan_event (bag_id);

-- Who changed a handover, and when: the history shown on the handover.
CREATE TABLE handover_event (
    handover_event_id TEXT PRIMARY KEY,
    handover_id       TEXT NOT NULL REFERENCES handover (handover_id),
    at_ms             BIGINT NOT NULL,
    actor_role        TEXT NOT NULL,
    actor_id          TEXT NOT NULL,
    action            TEXT NOT NULL,
    detail            TEXT
);
CREATE INDEX handover_event_by_handover ON handover_event (handover_id, at_ms);

CREATE TABLE claim (
    claim_id         TEXT PRIMARY KEY,
    seller_id        TEXT NOT NULL REFERENCES seller (seller_id),
    bag_id           TEXT NOT NULL REFERENCES bag (bag_id),
    tracking_numbers TEXT NOT NULL,
    description      TEXT NOT NULL,
    basis            TEXT NOT NULL CHECK (basis IN ('overdue_bag', 'missing_parcels')),
    status           TEXT NOT NULL CHECK (status IN ('open', 'accepted', 'rejected')),
    decision_note    TEXT,
    created_at_ms    BIGINT NOT NULL,
    decided_at_ms    BIGINT
);
CREATE INDEX claim_by_seller ON claim (seller_id, created_at_ms);

-- Saved responses of creating POSTs, replayed for a repeated Idempotency-Key.
CREATE TABLE idempotency (
    principal_id    TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    request_hash    TEXT NOT NULL,
    status_code     BIGINT,
    response_body   TEXT,
    created_at_ms   BIGINT NOT NULL,
    PRIMARY KEY (principal_id, idempotency_key)
);
