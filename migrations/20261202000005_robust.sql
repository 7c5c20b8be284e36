-- A bag's place in its handover as booked: a handover's bags are answered in the
-- order they were sent (ids are random, so sorting by id shuffles them).
ALTER TABLE bag ADD COLUMN bag_position BIGINT NOT NULL DEFAULT 0;
