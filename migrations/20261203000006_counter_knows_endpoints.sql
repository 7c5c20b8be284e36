-- Whether a seller has ever had a webhook endpoint, kept on its event counter row:
-- appending events reads it with the numbers it takes (under the counter's lock), and
-- skips the outbox statement for sellers with none, the most of them. Creating an
-- endpoint sets it under the same lock, so no append can miss a new endpoint it
-- would have seen before (docs/api.md, "Webhooks").
ALTER TABLE seller_event_seq ADD COLUMN has_endpoints BIGINT NOT NULL DEFAULT 0 CHECK (has_endpoints IN (0, 1));
INSERT INTO seller_event_seq (seller_id, last_seq)
SELECT DISTINCT w.seller_id, 0 FROM webhook_endpoint w
 WHERE NOT EXISTS (SELECT 1 FROM seller_event_seq q WHERE q.seller_id = w.seller_id);
UPDATE seller_event_seq SET has_endpoints = 1
 WHERE EXISTS (SELECT 1 FROM webhook_endpoint w WHERE w.seller_id = seller_event_seq.seller_id);
