-- Key lifecycle, scan payload hashes.
--
-- Every API key gets a public id, a name, when it was last used and when it was
-- revoked (a revoked key stays, so an environment token that was revoked is not
-- brought back by a restart). `origin` tells keys made through the API from the
-- operator key made from FIRSTMILE_OPERATOR_TOKEN ('env', reconciled at every start)
-- and the one generated on the first start ('generated'). Operator keys from before
-- this migration are taken as environment-made.
ALTER TABLE api_key ADD COLUMN key_id TEXT;
ALTER TABLE api_key ADD COLUMN name TEXT NOT NULL DEFAULT 'default';
ALTER TABLE api_key ADD COLUMN hint TEXT;
ALTER TABLE api_key ADD COLUMN last_used_at_ms BIGINT;
ALTER TABLE api_key ADD COLUMN revoked_at_ms BIGINT;
ALTER TABLE api_key ADD COLUMN origin TEXT NOT NULL DEFAULT 'api' CHECK (origin IN ('api', 'env', 'generated'));
UPDATE api_key SET key_id = 'AK' || upper(substr(key_hash, 1, 12));
UPDATE api_key SET origin = 'env', name = 'FIRSTMILE_OPERATOR_TOKEN' WHERE role = 'operator';
CREATE UNIQUE INDEX api_key_by_id ON api_key (key_id);

-- A hash of what a scan event reported, so a repeated event id with another payload
-- is refused rather than acknowledged (NULL for events stored before: not compared).
ALTER TABLE scan_event ADD COLUMN payload_hash TEXT;

-- The idempotency sweep deletes by age.
CREATE INDEX idempotency_by_age ON idempotency (created_at_ms);
