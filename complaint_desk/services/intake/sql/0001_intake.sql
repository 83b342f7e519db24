CREATE SCHEMA IF NOT EXISTS intake;

-- The day's last complaint number per site: HQ-20261129-0007 is (HQ, 20261129, 7).
CREATE TABLE intake.complaint_numbers (
    site      text NOT NULL,
    day       text NOT NULL,
    last_seq  integer NOT NULL,
    PRIMARY KEY (site, day)
);

-- A client retrying POST /complaints with the same Idempotency-Key gets the same complaint.
CREATE TABLE intake.idempotency_keys (
    key           text PRIMARY KEY,
    complaint_id  uuid NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);
