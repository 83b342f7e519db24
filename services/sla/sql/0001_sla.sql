CREATE SCHEMA IF NOT EXISTS sla;

-- One row per complaint the SLA service has seen, with its provisional response deadline.
CREATE TABLE sla.complaints (
    complaint_id      uuid PRIMARY KEY,
    site              text NOT NULL,
    level             text NOT NULL,
    received_at       timestamptz NOT NULL,
    response_due_at   timestamptz NOT NULL
);
