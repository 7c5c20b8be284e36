-- Seller-center sessions. Only a SHA-256 hash of the session id is kept (a database
-- leak gives no usable cookie); a session ends at idle expiry (last_seen + idle),
-- at its absolute expiry, or when revoked at sign-out. `seller_id` is the seller the
-- session acts for: the principal itself for a seller key, the one picked for an ISV.
CREATE TABLE web_session (
    session_hash   TEXT PRIMARY KEY,
    role           TEXT NOT NULL CHECK (role IN ('seller', 'isv')),
    principal_id   TEXT NOT NULL,
    seller_id      TEXT,
    csrf_token     TEXT NOT NULL,
    created_at_ms  BIGINT NOT NULL,
    last_seen_ms   BIGINT NOT NULL,
    expires_at_ms  BIGINT NOT NULL,
    revoked_at_ms  BIGINT
);
CREATE INDEX web_session_by_principal ON web_session (role, principal_id);
