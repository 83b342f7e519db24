-- name: insert_contact
INSERT INTO notify.contacts (complaint_id, site, preferred_channel, phone, email, received_at)
VALUES ($1, $2, $3, $4, $5, $6);
