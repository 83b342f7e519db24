-- Each complaint's full timeline: every event of its complaint, SLA and notification streams,
-- once each (the key is the event's stream position), in the log's order.
CREATE TABLE projections.timeline (
    stream_type     text NOT NULL,
    stream_id       uuid NOT NULL,
    version         integer NOT NULL,
    position        bigint NOT NULL,
    event_id        uuid NOT NULL,
    event_type      text NOT NULL,
    occurred_at     timestamptz NOT NULL,
    actor           text NOT NULL,
    correlation_id  uuid NOT NULL,
    causation_id    uuid,
    data            jsonb NOT NULL,
    PRIMARY KEY (stream_type, stream_id, version)
);
CREATE INDEX timeline_by_complaint ON projections.timeline (stream_id, position);
