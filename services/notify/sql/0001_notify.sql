CREATE SCHEMA IF NOT EXISTS notify;

-- Who to call back about each complaint, and on which channel.
CREATE TABLE notify.contacts (
    complaint_id       uuid PRIMARY KEY,
    site               text NOT NULL,
    preferred_channel  text NOT NULL,
    phone              text,
    email              text,
    received_at        timestamptz NOT NULL
);
