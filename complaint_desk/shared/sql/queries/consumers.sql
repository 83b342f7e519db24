-- name: claim_stream
-- Creates the stream's row on first sight and locks it either way (the no-op update takes the
-- row lock): one applier per stream at a time, and the version it has reached.
INSERT INTO consumers.stream_positions AS p (consumer, stream_type, stream_id, version)
VALUES ($1, $2, $3, 0)
ON CONFLICT (consumer, stream_type, stream_id) DO UPDATE SET version = p.version
RETURNING version;

-- name: hold_projection
SELECT pg_advisory_xact_lock_shared(hashtext('projection:' || $1));

-- name: take_projection
-- The rebuild's swap: waits for the effects in flight, and holds new ones off until commit.
SELECT pg_advisory_xact_lock(hashtext('projection:' || $1));

-- name: replace_checkpoint
INSERT INTO consumers.checkpoints (consumer, tx_id, position, updated_at)
VALUES ($1, $2::text::xid8, $3, now())
ON CONFLICT (consumer) DO UPDATE
SET tx_id = EXCLUDED.tx_id, position = EXCLUDED.position, updated_at = now();

-- name: forget_streams
DELETE FROM consumers.stream_positions WHERE consumer = $1;

-- name: advance_stream
UPDATE consumers.stream_positions SET version = $4
WHERE consumer = $1 AND stream_type = $2 AND stream_id = $3;

-- name: applied_versions
SELECT stream_type, stream_id, version FROM consumers.stream_positions
WHERE consumer = $1 AND stream_id = ANY($2::uuid[]);

-- name: load_checkpoint
SELECT tx_id::text::bigint AS tx_id, position FROM consumers.checkpoints WHERE consumer = $1;

-- name: save_checkpoint
INSERT INTO consumers.checkpoints (consumer, tx_id, position, updated_at)
VALUES ($1, $2::text::xid8, $3, now())
ON CONFLICT (consumer) DO UPDATE
SET tx_id = EXCLUDED.tx_id, position = EXCLUDED.position, updated_at = now()
WHERE (consumers.checkpoints.tx_id, consumers.checkpoints.position)
      < (EXCLUDED.tx_id, EXCLUDED.position);

-- name: park
INSERT INTO consumers.dead_letters (
    consumer, event_id, event_type, stream_type, stream_id, version, topic, kafka_partition,
    kafka_offset, headers, payload, error, attempts)
VALUES (:consumer, :event_id, :event_type, :stream_type, :stream_id, :version, :topic,
        :kafka_partition, :kafka_offset, :headers, :payload, :error, :attempts)
ON CONFLICT DO NOTHING;

-- name: dead_letters
SELECT id, consumer, event_id, event_type, stream_type, stream_id, version, topic,
       kafka_partition, kafka_offset, error, attempts, parked_at
FROM consumers.dead_letters
WHERE ($1::text IS NULL OR consumer = $1)
ORDER BY id DESC
LIMIT $2 OFFSET $3;

-- name: checkpoint_position
SELECT position FROM consumers.checkpoints WHERE consumer = $1;

-- name: behind_position
-- Whether consumer $1 has yet to apply some event at or before log position $2 of its stream
-- types $3. Everything up to its catch-up checkpoint is applied, so only the events past the
-- checkpoint (the last few seconds of the log) are looked at.
SELECT EXISTS (
    SELECT 1 FROM eventstore.events e
    WHERE (e.tx_id, e.position) > (
              COALESCE((SELECT tx_id FROM consumers.checkpoints WHERE consumer = $1), '0'),
              COALESCE((SELECT position FROM consumers.checkpoints WHERE consumer = $1), 0))
      AND e.position <= $2
      AND e.stream_type = ANY($3::text[])
      AND NOT EXISTS (
          SELECT 1 FROM consumers.stream_positions p
          WHERE p.consumer = $1 AND p.stream_type = e.stream_type
            AND p.stream_id = e.stream_id AND p.version >= e.version));

-- name: claim_streams
-- claim_stream for a batch: creates and locks each stream's row, in one order every batch
-- takes them in (a single-event applier holds one row only, so none waits in a cycle).
INSERT INTO consumers.stream_positions AS p (consumer, stream_type, stream_id, version)
SELECT $1, s.stream_type, s.stream_id, 0
FROM unnest($2::text[], $3::uuid[]) AS s(stream_type, stream_id)
ORDER BY s.stream_type, s.stream_id
ON CONFLICT (consumer, stream_type, stream_id) DO UPDATE SET version = p.version
RETURNING stream_type, stream_id, version;

-- name: advance_streams
UPDATE consumers.stream_positions AS p SET version = s.version
FROM unnest($2::text[], $3::uuid[], $4::integer[]) AS s(stream_type, stream_id, version)
WHERE p.consumer = $1 AND p.stream_type = s.stream_type AND p.stream_id = s.stream_id;

-- name: applied_version
-- Read without a lock: a version at or below it is a duplicate for certain (positions only
-- move forward), so a redelivery costs one lookup and no transaction.
SELECT version FROM consumers.stream_positions
WHERE consumer = $1 AND stream_type = $2 AND stream_id = $3;

-- name: pass_over
-- Moves each stream ($2 types, $3 ids) past a run of its events the consumer does not act on,
-- versions $4 to $5, in one statement: only where it stands just before the run (a stream
-- that is behind or already past it is not touched; its row, if new, starts at 0). Rows are
-- taken in claim_streams' order, so batches never wait on each other in a cycle. Returns the
-- rows it wrote: those at the run's last version moved.
WITH hold AS (SELECT pg_advisory_xact_lock_shared(hashtext('projection:' || $1))),
runs AS (
    SELECT * FROM unnest($2::text[], $3::uuid[], $4::integer[], $5::integer[])
        AS r(stream_type, stream_id, first, last)
)
INSERT INTO consumers.stream_positions AS p (consumer, stream_type, stream_id, version)
SELECT $1, r.stream_type, r.stream_id, CASE WHEN r.first = 1 THEN r.last ELSE 0 END
FROM runs r, hold
ORDER BY r.stream_type, r.stream_id
ON CONFLICT (consumer, stream_type, stream_id) DO UPDATE
SET version = (SELECT r.last FROM runs r
               WHERE r.stream_type = p.stream_type AND r.stream_id = p.stream_id)
WHERE p.version = (SELECT r.first - 1 FROM runs r
                   WHERE r.stream_type = p.stream_type AND r.stream_id = p.stream_id)
RETURNING stream_type, stream_id, version;
