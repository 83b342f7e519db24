-- name: append_one
-- One event at its version. Two writers of the same version collide on the
-- (stream_type, stream_id, version) constraint: the second writes nothing and gets no row back
-- (not an error, so the caller's transaction needs no savepoint). Version 1 needs nothing more;
-- a later version also needs its predecessor to exist, so a writer that is behind cannot leave
-- a hole.
INSERT INTO eventstore.events (
    event_id, stream_type, stream_id, version, event_type, schema_version,
    occurred_at, site_id, actor, correlation_id, causation_id, relayed_by, traceparent, data)
SELECT :event_id, :stream_type, :stream_id, :version, :event_type, :schema_version,
       :occurred_at, :site_id, :actor, :correlation_id, :causation_id, :relayed_by,
       :traceparent, :data::text::jsonb
WHERE :version = 1 OR EXISTS (
    SELECT 1 FROM eventstore.events
    WHERE stream_type = :stream_type AND stream_id = :stream_id AND version = :version - 1)
ON CONFLICT ON CONSTRAINT events_stream_version DO NOTHING
RETURNING position, version;

-- name: append_many
-- Several events of one stream, the versions after the expected one; same guarantees as append_one.
INSERT INTO eventstore.events (
    event_id, stream_type, stream_id, version, event_type, schema_version,
    occurred_at, site_id, actor, correlation_id, causation_id, relayed_by, traceparent, data)
SELECT e.event_id, :stream_type, :stream_id, e.version, e.event_type, e.schema_version,
       e.occurred_at, :site_id, :actor, :correlation_id, :causation_id, :relayed_by,
       :traceparent, e.data::jsonb
FROM unnest(:event_ids::uuid[], :versions::int[], :event_types::text[],
            :schema_versions::int[], :occurred_ats::timestamptz[], :data::text[])
     AS e(event_id, version, event_type, schema_version, occurred_at, data)
WHERE :expected = 0 OR EXISTS (
    SELECT 1 FROM eventstore.events
    WHERE stream_type = :stream_type AND stream_id = :stream_id AND version = :expected)
ORDER BY e.version
RETURNING position, version;

-- name: append_one_at_end
-- One event after its stream's last, found by the statement itself. A writer there first
-- makes it write nothing and return no row (not an error), as append_one.
INSERT INTO eventstore.events (
    event_id, stream_type, stream_id, version, event_type, schema_version,
    occurred_at, site_id, actor, correlation_id, causation_id, relayed_by, traceparent, data)
SELECT :event_id, :stream_type, :stream_id,
       (SELECT COALESCE(max(version), 0) + 1 FROM eventstore.events
        WHERE stream_type = :stream_type AND stream_id = :stream_id),
       :event_type, :schema_version, :occurred_at, :site_id, :actor, :correlation_id,
       :causation_id, :relayed_by, :traceparent, :data::text::jsonb
ON CONFLICT ON CONSTRAINT events_stream_version DO NOTHING
RETURNING position, version;

-- name: append_many_at_end
-- Several events of one stream after its last, found by the statement itself; a writer there
-- first makes it fail whole on events_stream_version (the caller's savepoint takes it back).
INSERT INTO eventstore.events (
    event_id, stream_type, stream_id, version, event_type, schema_version,
    occurred_at, site_id, actor, correlation_id, causation_id, relayed_by, traceparent, data)
SELECT e.event_id, :stream_type, :stream_id, h.version + e.ord, e.event_type,
       e.schema_version, e.occurred_at, :site_id, :actor, :correlation_id, :causation_id,
       :relayed_by, :traceparent, e.data::jsonb
FROM unnest(:event_ids::uuid[], :event_types::text[], :schema_versions::int[],
            :occurred_ats::timestamptz[], :data::text[])
     WITH ORDINALITY AS e(event_id, event_type, schema_version, occurred_at, data, ord),
     (SELECT COALESCE(max(version), 0) AS version FROM eventstore.events
      WHERE stream_type = :stream_type AND stream_id = :stream_id) AS h
ORDER BY e.ord
RETURNING position, version;

-- name: append_at_ends
-- Events at the ends of their streams, one statement for many streams: each stream's go on
-- from its last version, in the order given. A writer that reached one of those ends first
-- makes the insert collide on events_stream_version: the statement fails and writes nothing.
WITH e AS (
    SELECT * FROM unnest(:event_ids::uuid[], :stream_types::text[], :stream_ids::uuid[],
                         :event_types::text[], :schema_versions::int[], :site_ids::text[],
                         :actors::text[], :correlation_ids::uuid[], :causation_ids::uuid[],
                         :relayed_bys::text[], :traceparents::text[], :data::text[])
        WITH ORDINALITY AS e (event_id, stream_type, stream_id, event_type, schema_version,
                              site_id, actor, correlation_id, causation_id, relayed_by,
                              traceparent, data, ord)
), heads AS (
    SELECT s.stream_type, s.stream_id,
           (SELECT COALESCE(max(v.version), 0) FROM eventstore.events v
            WHERE v.stream_type = s.stream_type AND v.stream_id = s.stream_id) AS version
    FROM (SELECT DISTINCT stream_type, stream_id FROM e) AS s
)
INSERT INTO eventstore.events (
    event_id, stream_type, stream_id, version, event_type, schema_version,
    occurred_at, site_id, actor, correlation_id, causation_id, relayed_by, traceparent, data)
SELECT e.event_id, e.stream_type, e.stream_id,
       h.version + row_number() OVER (PARTITION BY e.stream_type, e.stream_id ORDER BY e.ord),
       e.event_type, e.schema_version, :occurred_at, e.site_id, e.actor, e.correlation_id,
       e.causation_id, e.relayed_by, e.traceparent, e.data::jsonb
FROM e JOIN heads AS h USING (stream_type, stream_id)
ORDER BY e.ord
RETURNING position;

-- name: stream_version
SELECT COALESCE(max(version), 0) FROM eventstore.events
WHERE stream_type = $1 AND stream_id = $2;

-- name: stream_head
-- A stream's version and the log position of its last event (0 and 0 for none).
SELECT COALESCE(max(version), 0) AS version, COALESCE(max(position), 0) AS position
FROM eventstore.events
WHERE stream_type = $1 AND stream_id = $2;

-- name: read_stream
SELECT position, event_id, event_type, stream_type, stream_id, version, occurred_at, site_id,
       actor, correlation_id, causation_id, relayed_by, traceparent, schema_version, data
FROM eventstore.events
WHERE stream_type = $1 AND stream_id = $2 AND version >= $3 AND version <= $4
ORDER BY version;

-- name: read_after
-- Only below the oldest transaction still running: nothing a follower passes can appear later.
-- The order names the table's columns: the bare tx_id would be the text-cast output column,
-- which no index serves, and every batch would sort the whole rest of the log.
SELECT tx_id::text::bigint AS tx_id, position, event_id, event_type, stream_type, stream_id,
       version, occurred_at, site_id, actor, correlation_id, causation_id, relayed_by,
       traceparent, schema_version, data, recorded_at
FROM eventstore.events
WHERE (tx_id, position) > ($1::text::xid8, $2::bigint)
  AND tx_id < pg_snapshot_xmin(pg_current_snapshot())
  AND stream_type = ANY($3::text[])
ORDER BY events.tx_id, events.position
LIMIT $4;

-- name: read_after_columns
-- As read_after, with only the columns a bulk reader asks for ({columns}: checked names).
SELECT tx_id::text::bigint AS tx_id, position, {columns}
FROM eventstore.events
WHERE (tx_id, position) > ($1::text::xid8, $2::bigint)
  AND tx_id < pg_snapshot_xmin(pg_current_snapshot())
  AND stream_type = ANY($3::text[])
ORDER BY events.tx_id, events.position
LIMIT $4;

-- name: count_after
-- How far a follower is behind, and since when (0 and null when it is not).
SELECT count(*) AS behind, min(recorded_at) AS oldest
FROM eventstore.events
WHERE (tx_id, position) > ($1::text::xid8, $2::bigint);

-- name: count_of
SELECT count(*) FROM eventstore.events WHERE stream_type = ANY($1::text[]);

-- name: head
SELECT COALESCE(max(position), 0) FROM eventstore.events;
