-- name: subject_for_contacts
SELECT c.subject_id, k.wrapped_key
FROM privacy.subject_contacts c JOIN privacy.subject_keys k USING (subject_id)
WHERE c.contact_key = ANY($1::text[]) AND k.wrapped_key IS NOT NULL
LIMIT 1;

-- name: add_subject
INSERT INTO privacy.subject_keys (subject_id, wrapped_key) VALUES ($1, $2);

-- name: link_contact
INSERT INTO privacy.subject_contacts (contact_key, subject_id) VALUES ($1, $2)
ON CONFLICT (contact_key) DO NOTHING;

-- name: wrapped_keys
SELECT subject_id, wrapped_key FROM privacy.subject_keys WHERE subject_id = ANY($1::uuid[]);

-- name: erase_subject
UPDATE privacy.subject_keys SET wrapped_key = NULL, erased_at = coalesce(erased_at, now())
WHERE subject_id = $1;

-- name: forget_contacts
DELETE FROM privacy.subject_contacts WHERE subject_id = $1;
