-- name: insert_received
INSERT INTO projections.complaints (
    id, number, site, location, category, urgency, channel, status, receiving_officer,
    department, complainant_name, description, received_at, updated_at, version, last_event_type)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16);

-- name: advance
UPDATE projections.complaints
SET status = $2, updated_at = $3, version = $4, last_event_type = $5
WHERE id = $1;

-- name: list_complaints
SELECT id, number, site, location, category, urgency, channel, status, receiving_officer,
       department, description, received_at, updated_at, version,
       count(*) OVER () AS total
FROM projections.complaints
WHERE ($1::text IS NULL OR site = $1) AND ($2::text IS NULL OR status = $2)
ORDER BY received_at DESC, id
LIMIT $3 OFFSET $4;

-- name: get_complaint
SELECT id, number, site, location, category, urgency, channel, status, receiving_officer,
       department, complainant_name, description, received_at, updated_at, version
FROM projections.complaints WHERE id = $1;
