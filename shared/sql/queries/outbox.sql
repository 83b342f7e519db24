-- name: next_batch
SELECT o.id AS outbox_id, o.topic, e.position, e.event_id, e.event_type, e.stream_type,
       e.stream_id, e.version, e.occurred_at, e.site_id, e.actor, e.correlation_id,
       e.causation_id, e.schema_version, e.data
FROM eventstore.outbox o
JOIN eventstore.events e ON e.position = o.position
ORDER BY o.id
LIMIT $1;

-- name: mark_published
DELETE FROM eventstore.outbox WHERE id = ANY($1::bigint[]);

-- name: backlog
SELECT count(*) AS pending,
       COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0)::float8 AS oldest_age_seconds
FROM eventstore.outbox;

-- name: try_lead
SELECT pg_try_advisory_lock(hashtext('desk.outbox.relay'));
