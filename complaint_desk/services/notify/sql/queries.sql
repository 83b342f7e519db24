-- name: insert_contact
INSERT INTO notify.contacts (complaint_id, number, site, preferred_channel, phone, email,
                             receiving_officer, received_at, location, category, description,
                             owner)
VALUES (:complaint_id, :number, :site, :preferred_channel, :phone, :email, :receiving_officer,
        :received_at, :location, :category, :description, :receiving_officer)
RETURNING *;

-- name: contact
SELECT * FROM notify.contacts WHERE complaint_id = $1;

-- name: set_cycle
UPDATE notify.contacts SET cycle = $2 WHERE complaint_id = $1;

-- name: staff
SELECT channel, destination, locale FROM notify.directory
WHERE site IN ($1, '*') AND role = $2
ORDER BY (site = $1) DESC LIMIT 1;

-- name: put_staff
INSERT INTO notify.directory (site, role, channel, destination, locale) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (site, role) DO UPDATE
SET channel = EXCLUDED.channel, destination = EXCLUDED.destination, locale = EXCLUDED.locale;

-- name: subscriptions_at
-- A site's enabled subscriptions, and those to every site: the rules match the event types.
SELECT id, channel, destination, event_types FROM notify.subscriptions
WHERE enabled AND site IN ($1, '*');

-- name: queue
INSERT INTO notify.deliveries (id, dedupe_key, complaint_id, site, channel, destination,
    subscription_id, recipient, kind, subject, body, payload, next_attempt_at)
VALUES (:id, :dedupe_key, :complaint_id, :site, :channel, :destination, :subscription_id,
        :recipient, :kind, :subject, :body, :payload, :next_attempt_at)
ON CONFLICT (dedupe_key) DO NOTHING
RETURNING id;

-- name: claim
-- Leased, not locked across the send: the lease keeps other replicas off it meanwhile. A
-- destination gets no more than the per-destination limit less what this dispatcher already
-- holds for it. The scan looks a few times further than it takes, so a destination that
-- reaches its limit in this claim does not hide the others behind it (a longer backlog of
-- one destination is skipped by the next claim, which leaves out destinations at their limit).
WITH due AS (
    SELECT id, destination, next_attempt_at FROM notify.deliveries
    WHERE status = 'pending' AND next_attempt_at <= :now
      AND (lease_until IS NULL OR lease_until < :now)
      AND destination <> ALL(:saturated::text[])
    ORDER BY next_attempt_at
    LIMIT :scan
    FOR UPDATE SKIP LOCKED
), ranked AS (
    SELECT due.id, due.next_attempt_at,
           coalesce(busy.sending, 0) + row_number() OVER (
               PARTITION BY due.destination ORDER BY due.next_attempt_at, due.id) AS nth
    FROM due
    LEFT JOIN unnest(:busy::text[], :sending::int[]) AS busy (destination, sending)
      ON busy.destination = due.destination
), picked AS (
    SELECT id FROM ranked WHERE nth <= :per_destination ORDER BY next_attempt_at LIMIT :take
)
UPDATE notify.deliveries d SET lease_until = :lease_until, attempts = d.attempts + 1
FROM picked WHERE d.id = picked.id
RETURNING d.id, d.complaint_id, d.site, d.channel, d.destination, d.subscription_id, d.recipient,
          d.kind, d.subject, d.body, d.payload, d.attempts,
          (SELECT secrets FROM notify.subscriptions s WHERE s.id = d.subscription_id) AS secrets;

-- name: give_back
UPDATE notify.deliveries SET lease_until = NULL, attempts = attempts - 1
WHERE id = ANY(:ids::uuid[]) AND status = 'pending' AND lease_until IS NOT NULL;

-- name: delivered
UPDATE notify.deliveries SET status = 'delivered', finished_at = $2, lease_until = NULL,
    last_error = NULL
WHERE id = $1 AND status = 'pending';

-- name: delivered_many
UPDATE notify.deliveries SET status = 'delivered', finished_at = $2, lease_until = NULL,
    last_error = NULL
WHERE id = ANY($1::uuid[]) AND status = 'pending'
RETURNING id;

-- name: retry
UPDATE notify.deliveries SET next_attempt_at = $2, lease_until = NULL, last_error = $3
WHERE id = $1 AND status = 'pending';

-- name: dead
UPDATE notify.deliveries SET status = 'dead', finished_at = $2, lease_until = NULL,
    last_error = $3
WHERE id = $1 AND status = 'pending';

-- name: disable_subscription
UPDATE notify.subscriptions SET enabled = false, disabled_reason = $2, updated_at = now()
WHERE id = $1;

-- name: count_sends
-- Messages added to each (channel, destination, day)'s count, one row each, in one statement
-- (atomic without a transaction around it): the counts after. The rows are locked in the
-- order given, so callers that give them in one order never wait on each other in a cycle.
INSERT INTO notify.daily_sends AS d (channel, destination, day, sent)
SELECT channel, destination, day, added
FROM unnest(:channels::text[], :destinations::text[], :days::date[], :added::int[])
    WITH ORDINALITY AS s(channel, destination, day, added, ord)
ORDER BY ord
ON CONFLICT (channel, destination, day) DO UPDATE SET sent = d.sent + EXCLUDED.sent
RETURNING channel, destination, day, sent;

-- name: dead_letters
SELECT id, complaint_id, site, channel, recipient, kind, attempts, last_error, finished_at
FROM notify.deliveries
WHERE status = 'dead' AND ($1::text[] IS NULL OR site = ANY($1::text[]))
ORDER BY finished_at DESC LIMIT $2 OFFSET $3;

-- name: replay
UPDATE notify.deliveries SET status = 'pending', attempts = 0, next_attempt_at = $2,
    lease_until = NULL, finished_at = NULL
WHERE id = $1 AND status = 'dead' AND ($3::text[] IS NULL OR site = ANY($3::text[]))
RETURNING id;

-- name: insert_subscription
INSERT INTO notify.subscriptions (id, name, site, event_types, channel, destination, secrets,
                                  enabled)
VALUES (:id, :name, :site, :event_types, :channel, :destination, :secrets, :enabled);

-- name: update_subscription
UPDATE notify.subscriptions SET name = :name, site = :site, event_types = :event_types,
    destination = :destination, enabled = :enabled,
    disabled_reason = CASE WHEN :enabled THEN NULL ELSE disabled_reason END,
    updated_at = now()
WHERE id = :id
RETURNING id;

-- name: subscription
SELECT id, name, site, event_types, channel, destination, enabled, disabled_reason,
       cardinality(secrets) AS secret_count, created_at, updated_at
FROM notify.subscriptions WHERE id = $1;

-- name: subscriptions
SELECT id, name, site, event_types, channel, destination, enabled, disabled_reason,
       cardinality(secrets) AS secret_count, created_at, updated_at
FROM notify.subscriptions ORDER BY created_at LIMIT $1 OFFSET $2;

-- name: rotate_secret
-- The new secret signs first; the previous one stays valid until the next rotation.
UPDATE notify.subscriptions SET secrets = ARRAY[$2, secrets[1]]::text[], updated_at = now()
WHERE id = $1
RETURNING id;

-- name: open_callback
INSERT INTO notify.callbacks (complaint_id, cycle, nonce, channel, status, requested_at,
                              next_step_at, expires_at)
VALUES (:complaint_id, :cycle, :nonce, :channel, 'requested', :requested_at, :next_step_at,
        :expires_at)
ON CONFLICT DO NOTHING
RETURNING complaint_id;

-- name: callback
SELECT * FROM notify.callbacks WHERE complaint_id = $1 AND cycle = $2;

-- name: answer_callback
UPDATE notify.callbacks SET status = 'answered', answered_at = $3, next_step_at = NULL
WHERE complaint_id = $1 AND cycle = $2 AND status IN ('requested', 'reminded', 'phone')
  AND expires_at > $3
RETURNING channel;

-- name: withdraw_callbacks
UPDATE notify.callbacks SET status = 'withdrawn', withdrawn = $2, next_step_at = NULL
WHERE complaint_id = $1 AND status IN ('requested', 'reminded', 'phone');

-- name: due_callbacks
SELECT c.complaint_id, c.cycle, c.nonce, c.status, k.number, k.site, k.phone, k.email,
       k.receiving_officer, k.owner, k.preferred_channel, k.handling_summary, k.improvement
FROM notify.callbacks c JOIN notify.contacts k USING (complaint_id)
WHERE c.next_step_at <= $1 AND c.status IN ('requested', 'reminded')
ORDER BY c.next_step_at LIMIT $2
FOR UPDATE OF c SKIP LOCKED;

-- name: advance_callback
UPDATE notify.callbacks SET status = $3, next_step_at = $4
WHERE complaint_id = $1 AND cycle = $2;

-- name: set_owner
UPDATE notify.contacts SET owner = $2 WHERE complaint_id = $1;

-- name: set_plan
UPDATE notify.contacts SET plan_summary = $2, plan_deadline = $3, plan_arrival = $4
WHERE complaint_id = $1;

-- name: set_handling_summary
UPDATE notify.contacts SET handling_summary = $2, improvement = $3 WHERE complaint_id = $1;

-- name: expect_response
INSERT INTO notify.expected_response (complaint_id, due_at) VALUES ($1, $2)
ON CONFLICT (complaint_id) DO NOTHING;

-- name: expected_response
SELECT due_at FROM notify.expected_response WHERE complaint_id = $1;

-- name: contact_category
SELECT category FROM notify.contacts WHERE complaint_id = $1;

-- name: directory
-- Who holds each role at a site, and for every site ('*').
SELECT site, role, channel, destination, locale FROM notify.directory
WHERE site IN (:site, '*') ORDER BY role, site DESC;

-- name: add_co_complainant
INSERT INTO notify.co_complainants (complaint_id, merged, number, preferred_channel, phone, email)
VALUES (:complaint_id, :merged, :number, :preferred_channel, :phone, :email)
ON CONFLICT (complaint_id, merged) DO NOTHING;

-- name: remove_co_complainant
DELETE FROM notify.co_complainants WHERE complaint_id = :complaint_id AND merged = :merged;

-- name: co_complainants
SELECT merged, number, preferred_channel, phone, email FROM notify.co_complainants
WHERE complaint_id = :complaint_id ORDER BY number;
