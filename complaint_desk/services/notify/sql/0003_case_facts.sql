-- What staff messages say about a complaint besides its number: where and what (never
-- personal data: the complainant's name, phone and email stay sealed in the event).
ALTER TABLE notify.contacts
    ADD COLUMN location     text,
    ADD COLUMN category     text,
    ADD COLUMN description  text;

-- The officer who owns the complaint (the receiving officer until it is reassigned): the
-- first SLA warning and the officer's reminders go to them.
ALTER TABLE notify.contacts ADD COLUMN owner text;
UPDATE notify.contacts SET owner = receiving_officer;

-- What the complainant is told as the case moves: the agreed plan, the handling summary.
ALTER TABLE notify.contacts
    ADD COLUMN plan_summary       text,
    ADD COLUMN plan_deadline      timestamptz,
    ADD COLUMN plan_arrival       timestamptz,
    ADD COLUMN handling_summary   text,
    ADD COLUMN improvement        text;

-- When the complainant may expect first contact, from the response clock. The clock may be
-- heard of before the complaint itself (two topics): the acknowledgement waits for both.
CREATE TABLE notify.expected_response (
    complaint_id  uuid PRIMARY KEY,
    due_at        timestamptz NOT NULL
);

-- A callback link the desk no longer needs (the callback was recorded by phone, or the
-- complaint was closed) is withdrawn: a late click shows the outcome and thanks.
ALTER TABLE notify.callbacks ADD COLUMN withdrawn text;
