-- name: next_number
INSERT INTO intake.complaint_numbers AS n (site, day, last_seq) VALUES ($1, $2, 1)
ON CONFLICT (site, day) DO UPDATE SET last_seq = n.last_seq + 1
RETURNING last_seq;

-- name: claim_idempotency_key
INSERT INTO intake.idempotency_keys (key, complaint_id) VALUES ($1, $2)
ON CONFLICT (key) DO NOTHING
RETURNING complaint_id;

-- name: idempotent_complaint
SELECT complaint_id FROM intake.idempotency_keys WHERE key = $1;
