-- The event log, webhooks and the sandbox.

-- Sellers in test mode (the sandbox): their data never shows in live lists or counts.
ALTER TABLE seller ADD COLUMN test_mode BIGINT NOT NULL DEFAULT 0 CHECK (test_mode IN (0, 1));

-- A seller's last event number. Taking the next numbers updates this row in the
-- transaction that writes the events, so on PostgreSQL the row lock orders commits:
-- events become visible in cursor order and a poller never skips one.
CREATE TABLE seller_event_seq (
    seller_id TEXT PRIMARY KEY REFERENCES seller (seller_id),
    last_seq  BIGINT NOT NULL
);

-- One row per event, written in the transaction of the change it reports.
-- `dedup_key` makes an event that several servers may find due (bag.overdue) unique.
CREATE TABLE event (
    seller_id     TEXT NOT NULL REFERENCES seller (seller_id),
    seq           BIGINT NOT NULL,
    event_id      TEXT NOT NULL UNIQUE,
    event_type    TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL,
    data          TEXT NOT NULL,
    dedup_key     TEXT UNIQUE,
    PRIMARY KEY (seller_id, seq)
);
CREATE INDEX event_by_type ON event (seller_id, event_type, seq);

-- A seller's webhook endpoints. `event_types` is `*` or `,a,b,` (matched with LIKE).
-- The secret is kept as given (it signs); the previous one signs too until it expires.
CREATE TABLE webhook_endpoint (
    webhook_id            TEXT PRIMARY KEY,
    seller_id             TEXT NOT NULL REFERENCES seller (seller_id),
    url                   TEXT NOT NULL,
    event_types           TEXT NOT NULL,
    secret                TEXT NOT NULL,
    old_secret            TEXT,
    old_secret_until_ms   BIGINT,
    enabled               BIGINT NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    failing_since_ms      BIGINT,
    disabled_at_ms        BIGINT,
    deleted               BIGINT NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    created_at_ms         BIGINT NOT NULL
);
CREATE INDEX webhook_endpoint_by_seller ON webhook_endpoint (seller_id, enabled);

-- The outbox: one row per event and endpoint, made in the event's transaction.
-- A worker leases due rows (`lease_until_ms`), so servers sharing a database never
-- send one attempt twice.
CREATE TABLE webhook_delivery (
    delivery_id        TEXT PRIMARY KEY,
    webhook_id         TEXT NOT NULL REFERENCES webhook_endpoint (webhook_id),
    seller_id          TEXT NOT NULL,
    event_seq          BIGINT NOT NULL,
    status             TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts           BIGINT NOT NULL DEFAULT 0,
    next_attempt_at_ms BIGINT NOT NULL,
    lease_owner        TEXT,
    lease_until_ms     BIGINT,
    created_at_ms      BIGINT NOT NULL,
    updated_at_ms      BIGINT NOT NULL
);
CREATE INDEX webhook_delivery_due ON webhook_delivery (status, next_attempt_at_ms);
CREATE INDEX webhook_delivery_by_endpoint ON webhook_delivery (webhook_id, event_seq);

-- The delivery log: one row per attempt.
CREATE TABLE webhook_attempt (
    attempt_id    TEXT PRIMARY KEY,
    delivery_id   TEXT NOT NULL REFERENCES webhook_delivery (delivery_id),
    webhook_id    TEXT NOT NULL,
    attempt       BIGINT NOT NULL,
    at_ms         BIGINT NOT NULL,
    ok            BIGINT NOT NULL CHECK (ok IN (0, 1)),
    status_code   BIGINT,
    latency_ms    BIGINT NOT NULL,
    error         TEXT
);
CREATE INDEX webhook_attempt_by_delivery ON webhook_attempt (delivery_id, at_ms);
CREATE INDEX webhook_attempt_by_endpoint ON webhook_attempt (webhook_id, at_ms);
