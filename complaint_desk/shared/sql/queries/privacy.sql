-- name: subject_for_contacts
SELECT c.subject_id, k.wrapped_key
FROM privacy.subject_contacts c JOIN privacy.subject_keys k USING (subject_id)
WHERE c.contact_key = ANY($1::text[]) AND k.wrapped_key IS NOT NULL
LIMIT 1;

-- name: add_subject
-- A new complainant's key, and their contacts linked to them (those no one has yet), in one
-- statement: the WITH runs to completion even when there is no contact to link.
WITH subject AS (
    INSERT INTO privacy.subject_keys (subject_id, wrapped_key) VALUES ($1, $2)
    RETURNING subject_id)
INSERT INTO privacy.subject_contacts (contact_key, subject_id)
SELECT contact, subject.subject_id FROM unnest($3::text[]) AS contact, subject
ON CONFLICT (contact_key) DO NOTHING;

-- name: wrapped_keys
SELECT subject_id, wrapped_key FROM privacy.subject_keys WHERE subject_id = ANY($1::uuid[]);

-- name: erase_subject
UPDATE privacy.subject_keys SET wrapped_key = NULL, erased_at = coalesce(erased_at, now())
WHERE subject_id = $1;

-- name: forget_contacts
DELETE FROM privacy.subject_contacts WHERE subject_id = $1;
