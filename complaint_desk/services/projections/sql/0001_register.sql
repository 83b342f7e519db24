CREATE SCHEMA IF NOT EXISTS projections;

-- The register (投訴登記表): one row per complaint, current state.
CREATE TABLE projections.complaints (
    id                 uuid PRIMARY KEY,
    number             text NOT NULL,
    site               text NOT NULL,
    location           text NOT NULL,
    category           text NOT NULL,
    urgency            text NOT NULL,
    channel            text NOT NULL,
    status             text NOT NULL,
    receiving_officer  text NOT NULL,
    department         text NOT NULL,
    complainant_name   text NOT NULL,
    description        text NOT NULL,
    received_at        timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL,
    version            integer NOT NULL,
    last_event_type    text NOT NULL
);

CREATE INDEX complaints_by_site_status ON projections.complaints (site, status, received_at DESC);
CREATE INDEX complaints_by_time ON projections.complaints (received_at DESC);
