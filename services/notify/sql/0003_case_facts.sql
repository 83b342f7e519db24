-- What staff messages say about a complaint besides its number: where and what (never
-- personal data: the complainant's name, phone and email stay sealed in the event).
ALTER TABLE notify.contacts
    ADD COLUMN location     text,
    ADD COLUMN category     text,
    ADD COLUMN description  text;
