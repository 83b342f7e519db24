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
    complaint_id, site, location_key, category, phone_key, email_key, received_at, subject_id,
    number, asset)
VALUES (:complaint_id, :site, :location_key, :category, :phone_key, :email_key, :received_at,
        :subject_id, :number, :asset);

-- name: set_in_hand
UPDATE intake.complaint_index SET in_hand = :in_hand
WHERE complaint_id = :complaint_id AND in_hand <> :in_hand;

-- name: open_at_place
-- Complaints in hand at the same site and place (or equipment) and category: what the
-- complainant's form offers to join ("already reported").
SELECT complaint_id, number, received_at FROM intake.complaint_index
WHERE site = :site AND category = :category AND in_hand
  AND (location_key = :location_key OR (:asset::text IS NOT NULL AND asset = :asset::text))
ORDER BY received_at
LIMIT 5;

-- name: contact_matches
-- Whether a sender's keyed email hash is the complainant's of the complaint, or of one
-- merged into it.
SELECT EXISTS (
    SELECT 1 FROM intake.complaint_index
    WHERE email_key = :email_key AND (complaint_id = :complaint_id OR complaint_id = ANY(:merged::uuid[])));

-- name: complaints_of_subject
SELECT complaint_id FROM intake.complaint_index WHERE subject_id = $1 ORDER BY received_at;

-- name: forget_subject_contacts
UPDATE intake.complaint_index SET phone_key = NULL, email_key = NULL WHERE subject_id = $1;

-- name: number_and_similar
-- A new complaint's number (the site's next of the day) and the earlier complaints like it,
-- in one round trip: the numbering row is written whether or not any is alike. Similar ones
-- only at the same site: the event is read by the site's staff, who must learn nothing of
-- another site's complaints (not even that one exists).
WITH numbered AS (
    INSERT INTO intake.complaint_numbers AS n (site, day, last_seq)
    VALUES (:site, :day, 1)
    ON CONFLICT (site, day) DO UPDATE SET last_seq = n.last_seq + 1
    RETURNING last_seq),
alike AS (
    SELECT complaint_id, received_at,
           COALESCE(phone_key = :phone_key OR email_key = :email_key, false) AS same_complainant,
           (location_key = :location_key AND category = :category) AS same_place
    FROM intake.complaint_index
    WHERE received_at >= :since
      AND site = :site
      AND (phone_key = :phone_key OR email_key = :email_key
           OR (location_key = :location_key AND category = :category))
    ORDER BY received_at DESC
    LIMIT 20)
SELECT numbered.last_seq, alike.complaint_id, alike.same_complainant, alike.same_place
FROM numbered LEFT JOIN alike ON true
ORDER BY alike.received_at DESC;

-- name: claim_message
INSERT INTO intake.inbox (source, message_id) VALUES ($1, $2)
ON CONFLICT DO NOTHING
RETURNING message_id;

-- name: index_task
INSERT INTO intake.tasks (task_id, complaint_id) VALUES ($1, $2) ON CONFLICT DO NOTHING;

-- name: complaint_of_task
SELECT complaint_id FROM intake.tasks WHERE task_id = $1;

-- name: put_blob
-- A content seen for the first time returns its hash; a known one returns nothing (its
-- chunks are there already: the same bytes are stored once).
INSERT INTO intake.blobs (sha256, media_type, size) VALUES (:sha256, :media_type, :size)
ON CONFLICT (sha256) DO NOTHING
RETURNING sha256;

-- name: put_chunk
INSERT INTO intake.blob_chunks (sha256, n, data) VALUES (:sha256, :n, :data);

-- name: chunks
SELECT data FROM intake.blob_chunks WHERE sha256 = $1 ORDER BY n;

-- name: add_attachment
INSERT INTO intake.attachments (id, complaint_id, site, sha256, web_sha256, thumb_sha256,
    media_type, size, name, personal, uploaded_by)
VALUES (:id, :complaint_id, :site, :sha256, :web_sha256, :thumb_sha256, :media_type, :size,
    :name, :personal, :uploaded_by);

-- name: attachment
SELECT id, complaint_id, site, sha256, web_sha256, thumb_sha256, media_type, size, name,
       personal, uploaded_by, uploaded_at, erased_at
FROM intake.attachments WHERE id = $1;

-- name: attachments_of
SELECT id, complaint_id, site, sha256, web_sha256, thumb_sha256, media_type, size, name,
       personal, uploaded_by, uploaded_at, erased_at
FROM intake.attachments WHERE complaint_id = $1 ORDER BY uploaded_at, id;

-- name: stored_for_complaint
-- What a complaint's files already take, against its limit.
SELECT COALESCE(sum(size), 0) FROM intake.attachments
WHERE complaint_id = $1 AND erased_at IS NULL;

-- name: erase_personal_attachments
-- The complainant's data is erased: their files showing a person go too (the events keep
-- the hash, which reveals nothing of the picture).
UPDATE intake.attachments SET erased_at = now()
WHERE complaint_id = ANY($1::uuid[]) AND personal AND erased_at IS NULL
RETURNING sha256, web_sha256, thumb_sha256;

-- name: drop_unused_blobs
-- Blobs no attachment still shows (a deduplicated photo stays while another file uses it).
DELETE FROM intake.blobs b
WHERE b.sha256 = ANY($1::text[])
  AND NOT EXISTS (
    SELECT 1 FROM intake.attachments a
    WHERE a.erased_at IS NULL AND b.sha256 IN (a.sha256, a.web_sha256, a.thumb_sha256));

-- name: complaint_by_number
SELECT complaint_id FROM intake.complaint_index WHERE number = $1;

-- name: due_for_retention
-- Closed complaints whose complainant still has a key, closed before their site's cutoff
-- ($1 sites and $2 cutoffs side by side; '*' stands for every other site). A reopened
-- complaint counts from its last close.
WITH policy AS (
  SELECT * FROM unnest($1::text[], $2::timestamptz[]) AS p(site, cutoff)
), last_close AS (
  SELECT DISTINCT ON (stream_id) stream_id, event_type, occurred_at
  FROM eventstore.events
  WHERE stream_type = 'complaint' AND event_type IN ('ComplaintClosed', 'ComplaintReopened')
  ORDER BY stream_id, version DESC
)
SELECT c.complaint_id
FROM last_close l
JOIN intake.complaint_index c ON c.complaint_id = l.stream_id
JOIN privacy.subject_keys k ON k.subject_id = c.subject_id AND k.erased_at IS NULL
JOIN policy p ON p.site = c.site
    OR (p.site = '*' AND NOT EXISTS (SELECT 1 FROM policy o WHERE o.site = c.site))
WHERE l.event_type = 'ComplaintClosed' AND l.occurred_at < p.cutoff
ORDER BY l.occurred_at
LIMIT $3;

-- name: put_place
INSERT INTO intake.places (site, code, name, building, floor, room, retired)
VALUES (:site, :code, :name, :building, :floor, :room, :retired)
ON CONFLICT (site, code) DO UPDATE SET
    name = EXCLUDED.name, building = EXCLUDED.building, floor = EXCLUDED.floor,
    room = EXCLUDED.room, retired = EXCLUDED.retired;

-- name: put_asset
INSERT INTO intake.assets (site, code, type, name, serial, model, installed_on, place,
                           maintenance_team, retired)
VALUES (:site, :code, :type, :name, :serial, :model, :installed_on, :place, :maintenance_team,
        :retired)
ON CONFLICT (site, code) DO UPDATE SET
    type = EXCLUDED.type, name = EXCLUDED.name, serial = EXCLUDED.serial,
    model = EXCLUDED.model, installed_on = EXCLUDED.installed_on, place = EXCLUDED.place,
    maintenance_team = EXCLUDED.maintenance_team, retired = EXCLUDED.retired;

-- name: places_of
SELECT code, name, building, floor, room, retired FROM intake.places
WHERE site = :site AND (:all::boolean OR NOT retired) ORDER BY code;

-- name: assets_of
SELECT code, type, name, serial, model, installed_on, place, maintenance_team, retired
FROM intake.assets WHERE site = :site AND (:all::boolean OR NOT retired) ORDER BY code;

-- name: suggest_places
-- The registered places and equipment a free-text location names: a place or a piece of
-- equipment whose name the location contains (or that contains it), without case or spaces,
-- and the equipment at a place it names (「3F 茶水間 飲水機」 finds 3F 茶水間 and what stands there).
WITH places AS (
  SELECT p.code, p.name FROM intake.places p
  WHERE p.site = :site AND NOT p.retired
    AND (strpos(:key, lower(regexp_replace(p.name, '\s+', '', 'g'))) > 0
         OR strpos(lower(regexp_replace(p.name, '\s+', '', 'g')), :key) > 0)
)
SELECT 'asset' AS kind, a.code, a.name, a.type, a.place
FROM intake.assets a
WHERE a.site = :site AND NOT a.retired
  AND (strpos(:key, lower(regexp_replace(a.name, '\s+', '', 'g'))) > 0
       OR strpos(lower(regexp_replace(a.name, '\s+', '', 'g')), :key) > 0
       OR lower(a.code) = :key
       OR a.place IN (SELECT code FROM places))
UNION ALL
SELECT 'place', code, name, NULL::text, code FROM places
ORDER BY 1, 2
LIMIT 20;

-- name: put_problem
INSERT INTO intake.problems (problem_id, site, asset, stage)
VALUES (:problem_id, :site, :asset, :stage)
ON CONFLICT (problem_id) DO UPDATE SET stage = EXCLUDED.stage;

-- name: put_problem_action
INSERT INTO intake.problem_actions (action_id, problem_id) VALUES (:action_id, :problem_id)
ON CONFLICT DO NOTHING;

-- name: problem_of_action
SELECT problem_id FROM intake.problem_actions WHERE action_id = :action_id;

-- name: open_problems_on
-- The problems still open on a piece of equipment: new complaints on it link themselves.
SELECT problem_id FROM intake.problems
WHERE site = :site AND asset = :asset AND stage <> 'closed'
ORDER BY problem_id;
