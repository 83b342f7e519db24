-- The register's fuller columns, search and SLA state.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

ALTER TABLE projections.complaints
    ADD COLUMN severity          text,
    ADD COLUMN responsibility    text,
    ADD COLUMN third_party       text,
    ADD COLUMN safety_escalated  boolean NOT NULL DEFAULT false,
    ADD COLUMN acknowledged_at   timestamptz,
    ADD COLUMN resolved_at       timestamptz,
    ADD COLUMN closed_at         timestamptz,
    ADD COLUMN cycle             integer NOT NULL DEFAULT 1,
    ADD COLUMN search            text NOT NULL DEFAULT '';

UPDATE projections.complaints SET search = lower(number || ' ' || location || ' ' || description);

-- Chinese has no spaces between words, so search by trigrams rather than by word.
CREATE INDEX complaints_search ON projections.complaints USING gin (search gin_trgm_ops);
CREATE INDEX complaints_by_severity ON projections.complaints (severity, received_at DESC);

-- Each complaint's SLA state, kept apart: SLA events may arrive before the register's row.
CREATE TABLE projections.sla_state (
    complaint_id   uuid PRIMARY KEY,
    state          text NOT NULL,
    breached_ever  boolean NOT NULL DEFAULT false,
    updated_at     timestamptz NOT NULL
);
