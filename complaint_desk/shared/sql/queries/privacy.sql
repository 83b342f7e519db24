-- name: subject_for_contacts
-- $1 the contacts, $2 a new subject and $3 its wrapped key. The complainant the contacts
-- belong to; if none, the new one, its key stored and the contacts (those no one has yet)
-- linked to it, in one statement (the WITH parts run to completion even when unused).
WITH found AS (
    SELECT c.subject_id, k.wrapped_key
    FROM privacy.subject_contacts c JOIN privacy.subject_keys k USING (subject_id)
    WHERE c.contact_key = ANY($1::text[]) AND k.wrapped_key IS NOT NULL
    LIMIT 1),
added AS (
    INSERT INTO privacy.subject_keys (subject_id, wrapped_key)
    SELECT $2, $3 WHERE NOT EXISTS (SELECT FROM found)
    RETURNING subject_id, wrapped_key),
linked AS (
    INSERT INTO privacy.subject_contacts (contact_key, subject_id)
    SELECT contact, added.subject_id FROM unnest($1::text[]) AS contact, added
    ON CONFLICT (contact_key) DO NOTHING)
SELECT subject_id, wrapped_key, false AS added FROM found
UNION ALL
SELECT subject_id, wrapped_key, true FROM added;

-- name: wrapped_keys
SELECT subject_id, wrapped_key FROM privacy.subject_keys WHERE subject_id = ANY($1::uuid[]);

-- name: erase_subject
UPDATE privacy.subject_keys SET wrapped_key = NULL, erased_at = coalesce(erased_at, now())
WHERE subject_id = $1;

-- name: forget_contacts
DELETE FROM privacy.subject_contacts WHERE subject_id = $1;
