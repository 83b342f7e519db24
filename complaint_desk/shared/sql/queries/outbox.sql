-- name: load_checkpoint
SELECT tx_id::text::bigint AS tx_id, position FROM eventstore.publications
WHERE publisher = $1;

-- name: save_checkpoint
INSERT INTO eventstore.publications (publisher, tx_id, position, updated_at)
VALUES ($1, $2::text::xid8, $3, now())
ON CONFLICT (publisher) DO UPDATE
SET tx_id = EXCLUDED.tx_id, position = EXCLUDED.position, updated_at = now();

-- name: try_lead
SELECT pg_try_advisory_lock(hashtext('desk.outbox.relay'));

-- name: notify
SELECT pg_notify('desk_outbox', '');
