-- Complainants merged into a complaint (併案): they are told of its progress and asked how
-- it went, each by their own channel. Phone and email stay sealed, as in notify.contacts.
CREATE TABLE notify.co_complainants (
    complaint_id       uuid NOT NULL,
    merged             uuid NOT NULL,
    number             text NOT NULL,
    preferred_channel  text NOT NULL,
    phone              text,
    email              text,
    PRIMARY KEY (complaint_id, merged)
);
