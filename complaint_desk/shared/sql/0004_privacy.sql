-- Complainants' keys, outside the event log. A key is stored wrapped under the master key;
-- erasure deletes it (crypto-shredding) and keeps the row as the record that it happened.
CREATE SCHEMA IF NOT EXISTS privacy;

CREATE TABLE privacy.subject_keys (
    subject_id   uuid PRIMARY KEY,
    wrapped_key  bytea,                 -- NULL once erased
    created_at   timestamptz NOT NULL DEFAULT now(),
    erased_at    timestamptz
);

-- Which complainant a contact belongs to (keyed hashes of phone and email), so that one
-- person has one key across their complaints. Deleted at erasure.
CREATE TABLE privacy.subject_contacts (
    contact_key  text PRIMARY KEY,
    subject_id   uuid NOT NULL REFERENCES privacy.subject_keys (subject_id)
);
CREATE INDEX subject_contacts_subject ON privacy.subject_contacts (subject_id);
