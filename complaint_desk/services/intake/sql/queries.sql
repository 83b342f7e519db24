-- name: next_number
INSERT INTO intake.complaint_numbers AS n (site, day, last_seq) VALUES ($1, $2, 1)
ON CONFLICT (site, day) DO UPDATE SET last_seq = n.last_seq + 1
RETURNING last_seq;

-- name: claim_idempotency_key
-- $1 principal, $2 key, $3 complaint, $4 the request's fingerprint.
INSERT INTO intake.idempotency_keys (principal, key, complaint_id, request_hash)
VALUES ($1, $2, $3, $4)
ON CONFLICT (principal, key) DO NOTHING
RETURNING complaint_id;

-- name: idempotent_complaint
SELECT complaint_id, request_hash FROM intake.idempotency_keys
WHERE principal = $1 AND key = $2;

-- name: index_complaint
INSERT INTO intake.complaint_index (
    complaint_id, site, location_key, category, phone_key, email_key, received_at, subject_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8);

-- name: complaints_of_subject
SELECT complaint_id FROM intake.complaint_index WHERE subject_id = $1 ORDER BY received_at;

-- name: forget_subject_contacts
UPDATE intake.complaint_index SET phone_key = NULL, email_key = NULL WHERE subject_id = $1;

-- name: similar_complaints
-- Only at the same site: the event is read by the site's staff, who must learn nothing of
-- another site's complaints (not even that one exists).
SELECT complaint_id,
       COALESCE(phone_key = $1 OR email_key = $2, false) AS same_complainant,
       (location_key = $4 AND category = $5) AS same_place
FROM intake.complaint_index
WHERE received_at >= $6
  AND site = $3
  AND (phone_key = $1 OR email_key = $2 OR (location_key = $4 AND category = $5))
ORDER BY received_at DESC
LIMIT 20;

-- name: claim_message
INSERT INTO intake.inbox (source, message_id) VALUES ($1, $2)
ON CONFLICT DO NOTHING
RETURNING message_id;

-- name: index_task
INSERT INTO intake.tasks (task_id, complaint_id) VALUES ($1, $2) ON CONFLICT DO NOTHING;

-- name: complaint_of_task
SELECT complaint_id FROM intake.tasks WHERE task_id = $1;
