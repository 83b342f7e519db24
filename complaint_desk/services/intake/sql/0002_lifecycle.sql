-- What receipt needs to spot repeat complaints (重複投訴). Contacts are kept only as keyed
-- hashes (HMAC), so this index holds no phone number or email in the clear.
CREATE TABLE intake.complaint_index (
    complaint_id  uuid PRIMARY KEY,
    site          text NOT NULL,
    location_key  text NOT NULL,
    category      text NOT NULL,
    phone_key     text,
    email_key     text,
    received_at   timestamptz NOT NULL
);
CREATE INDEX complaint_index_place
    ON intake.complaint_index (site, location_key, category, received_at);
CREATE INDEX complaint_index_phone ON intake.complaint_index (phone_key, received_at)
    WHERE phone_key IS NOT NULL;
CREATE INDEX complaint_index_email ON intake.complaint_index (email_key, received_at)
    WHERE email_key IS NOT NULL;

-- Messages from other systems already handled: a redelivered one has no second effect.
CREATE TABLE intake.inbox (
    source       text NOT NULL,
    message_id   text NOT NULL,
    handled_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, message_id)
);
