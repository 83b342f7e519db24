-- name: insert_complaint
INSERT INTO sla.complaints (complaint_id, site, level, received_at, response_due_at)
VALUES ($1, $2, $3, $4, $5);

-- name: get_complaint
SELECT complaint_id, site, level, received_at, response_due_at
FROM sla.complaints WHERE complaint_id = $1;
