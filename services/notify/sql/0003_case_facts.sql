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
