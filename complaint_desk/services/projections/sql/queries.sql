-- name: register_rows
-- The rows of several complaints at once (a batch's), those the register has.
SELECT id, number, site, location, category, urgency, channel, status, receiving_officer,
       department, complainant_name, complainant_key, description, received_at, updated_at,
       version, last_event_type, severity, responsibility, third_party, safety_escalated,
       acknowledged_at, resolved_at, closed_at, cycle, search, satisfied, stage, waiting_reason,
       severity_provisional, owner, referred_to, rating, reasons, asset, merged_into,
       merged_into_number, co_complainants, photo, place, place_name, asset_type, asset_name,
       model
FROM projections.complaints WHERE id = ANY(:ids::uuid[]);

-- name: put_register_row
INSERT INTO projections.complaints (
    id, number, site, location, category, urgency, channel, status, receiving_officer,
    department, complainant_name, complainant_key, description, received_at, updated_at,
    version, last_event_type, severity, responsibility, third_party, safety_escalated,
    acknowledged_at, resolved_at, closed_at, cycle, search, satisfied, stage, waiting_reason,
    severity_provisional, owner, referred_to, rating, reasons, asset, merged_into,
    merged_into_number, co_complainants, photo, place, place_name, asset_type, asset_name,
    model)
VALUES (:id, :number, :site, :location, :category, :urgency, :channel, :status,
        :receiving_officer, :department, :complainant_name, :complainant_key, :description,
        :received_at, :updated_at, :version, :last_event_type, :severity, :responsibility,
        :third_party, :safety_escalated, :acknowledged_at, :resolved_at, :closed_at, :cycle,
        :search, :satisfied, :stage, :waiting_reason, :severity_provisional, :owner,
        :referred_to, :rating, :reasons, :asset, :merged_into, :merged_into_number,
        :co_complainants, :photo, :place, :place_name, :asset_type, :asset_name, :model)
ON CONFLICT (id) DO UPDATE SET
    number = EXCLUDED.number, site = EXCLUDED.site, location = EXCLUDED.location,
    category = EXCLUDED.category, urgency = EXCLUDED.urgency, channel = EXCLUDED.channel,
    status = EXCLUDED.status, receiving_officer = EXCLUDED.receiving_officer,
    department = EXCLUDED.department, complainant_name = EXCLUDED.complainant_name,
    complainant_key = EXCLUDED.complainant_key, description = EXCLUDED.description,
    received_at = EXCLUDED.received_at, updated_at = EXCLUDED.updated_at,
    version = EXCLUDED.version, last_event_type = EXCLUDED.last_event_type,
    severity = EXCLUDED.severity, responsibility = EXCLUDED.responsibility,
    third_party = EXCLUDED.third_party, safety_escalated = EXCLUDED.safety_escalated,
    acknowledged_at = EXCLUDED.acknowledged_at, resolved_at = EXCLUDED.resolved_at,
    closed_at = EXCLUDED.closed_at, cycle = EXCLUDED.cycle, search = EXCLUDED.search,
    satisfied = EXCLUDED.satisfied, stage = EXCLUDED.stage,
    waiting_reason = EXCLUDED.waiting_reason, severity_provisional = EXCLUDED.severity_provisional,
    owner = EXCLUDED.owner, referred_to = EXCLUDED.referred_to, rating = EXCLUDED.rating,
    reasons = EXCLUDED.reasons, asset = EXCLUDED.asset, merged_into = EXCLUDED.merged_into,
    merged_into_number = EXCLUDED.merged_into_number,
    co_complainants = EXCLUDED.co_complainants, photo = EXCLUDED.photo,
    place = EXCLUDED.place, place_name = EXCLUDED.place_name, asset_type = EXCLUDED.asset_type,
    asset_name = EXCLUDED.asset_name, model = EXCLUDED.model;

-- name: sla_state_rows
SELECT complaint_id, state, breached_ever, updated_at, response_due_at, resolution_due_at,
       review_due_at, response_calendar, resolution_calendar, review_calendar
FROM projections.sla_state WHERE complaint_id = ANY(:ids::uuid[]);

-- name: put_sla_state
INSERT INTO projections.sla_state (complaint_id, state, breached_ever, updated_at,
    response_due_at, resolution_due_at, review_due_at, response_calendar, resolution_calendar,
    review_calendar)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
ON CONFLICT (complaint_id) DO UPDATE SET
    state = EXCLUDED.state, breached_ever = EXCLUDED.breached_ever,
    updated_at = EXCLUDED.updated_at, response_due_at = EXCLUDED.response_due_at,
    resolution_due_at = EXCLUDED.resolution_due_at, review_due_at = EXCLUDED.review_due_at,
    response_calendar = EXCLUDED.response_calendar,
    resolution_calendar = EXCLUDED.resolution_calendar,
    review_calendar = EXCLUDED.review_calendar;

-- name: list_complaints
-- The sort picks the order among a fixed few (no SQL is built from the request). A
-- complaint's next due time is its response clock's until someone contacts the complainant,
-- else its resolution's, or its review's while under review.
WITH listed AS (
  SELECT c.id, c.number, c.site, c.location, c.category, c.urgency, c.channel, c.status,
         c.receiving_officer, c.department, c.description, c.received_at, c.updated_at,
         c.version, c.severity, c.responsibility, c.third_party, c.safety_escalated,
         c.acknowledged_at, c.resolved_at, c.closed_at, c.cycle, c.stage, c.waiting_reason,
         c.severity_provisional, c.owner, c.referred_to, c.rating, c.reasons, c.asset,
         c.merged_into, c.merged_into_number, c.co_complainants,
         COALESCE(s.state, 'none') AS sla_state,
         COALESCE(s.breached_ever, false) AS sla_breached_ever,
         s.response_due_at, s.resolution_due_at, s.review_due_at,
         s.response_calendar, s.resolution_calendar, s.review_calendar,
         LEAST(CASE WHEN c.acknowledged_at IS NULL THEN s.response_due_at END,
               s.resolution_due_at, s.review_due_at) AS next_due_at
  FROM projections.complaints c
  LEFT JOIN projections.sla_state s ON s.complaint_id = c.id
  WHERE (:sites::text[] IS NULL OR c.site = ANY(:sites::text[]))
    AND (:status::text IS NULL OR c.status = :status)
    AND (:severity::text IS NULL OR c.severity = :severity)
    AND (:category::text IS NULL OR c.category = :category)
    AND (:q::text IS NULL OR c.search LIKE '%' || lower(:q) || '%')
    AND (:owner::text IS NULL OR c.owner = :owner)
    AND (:sla_state::text IS NULL OR COALESCE(s.state, 'none') = :sla_state)
    AND (NOT :not_contacted::boolean OR (c.acknowledged_at IS NULL
         AND c.status NOT IN ('closed', 'referred', 'merged')))
)
SELECT *, count(*) OVER () AS total
FROM listed
WHERE :due_before::timestamptz IS NULL
   OR (next_due_at <= :due_before::timestamptz AND sla_state NOT IN ('breached', 'paused', 'met'))
ORDER BY
  CASE WHEN :sort = 'received_at' THEN received_at END ASC,
  CASE WHEN :sort = '-received_at' THEN received_at END DESC,
  CASE WHEN :sort = 'number' THEN number END ASC,
  CASE WHEN :sort = '-number' THEN number END DESC,
  CASE WHEN :sort = 'severity' THEN severity END ASC NULLS LAST,
  CASE WHEN :sort = 'status' THEN status END ASC,
  CASE WHEN :sort = 'due' THEN next_due_at END ASC NULLS LAST,
  received_at DESC, id
LIMIT :limit OFFSET :offset;

-- name: get_complaint
SELECT c.id, c.number, c.site, c.location, c.category, c.urgency, c.channel, c.status,
       c.receiving_officer, c.department, c.complainant_name, c.description, c.received_at,
       c.updated_at, c.version, c.severity, c.responsibility, c.third_party, c.safety_escalated,
       c.acknowledged_at, c.resolved_at, c.closed_at, c.cycle, c.satisfied, c.stage,
       c.waiting_reason, c.severity_provisional, c.owner, c.referred_to, c.rating, c.reasons,
       c.asset, c.merged_into, c.merged_into_number, c.co_complainants, c.place,
       c.place_name, c.asset_type, c.asset_name, c.model,
       COALESCE(s.state, 'none') AS sla_state, COALESCE(s.breached_ever, false) AS sla_breached_ever,
       s.response_due_at, s.resolution_due_at, s.review_due_at,
       s.response_calendar, s.resolution_calendar, s.review_calendar
FROM projections.complaints c
LEFT JOIN projections.sla_state s ON s.complaint_id = c.id
WHERE c.id = $1;

-- name: dashboard
-- Per group (all, category or severity) of the complaints received in [$2, $3).
-- A merged complaint (併案) is counted once, in the complaint it joined: apart, as merged.
SELECT CASE $4 WHEN 'category' THEN c.category
               WHEN 'severity' THEN c.severity
               ELSE 'all' END AS "group",
       count(*) FILTER (WHERE c.stage <> 'merged') AS received,
       count(*) FILTER (WHERE c.stage = 'merged') AS merged,
       count(*) FILTER (WHERE c.severity_provisional AND c.stage <> 'merged') AS provisional,
       count(c.resolved_at) AS resolved,
       count(c.closed_at) AS closed,
       percentile_cont(0.5) WITHIN GROUP (
           ORDER BY extract(epoch FROM c.acknowledged_at - c.received_at)) AS response_p50,
       percentile_cont(0.9) WITHIN GROUP (
           ORDER BY extract(epoch FROM c.acknowledged_at - c.received_at)) AS response_p90,
       percentile_cont(0.5) WITHIN GROUP (
           ORDER BY extract(epoch FROM c.resolved_at - c.received_at)) AS resolution_p50,
       percentile_cont(0.9) WITHIN GROUP (
           ORDER BY extract(epoch FROM c.resolved_at - c.received_at)) AS resolution_p90,
       avg(CASE WHEN c.satisfied THEN 1.0 WHEN NOT c.satisfied THEN 0.0 END) AS satisfaction,
       avg(c.rating)::float8 AS rating,
       avg(CASE WHEN c.cycle > 1 THEN 1.0 ELSE 0.0 END) AS reopen_rate,
       count(*) FILTER (WHERE s.state = 'breached') AS breached_now,
       count(*) FILTER (WHERE s.breached_ever) AS breached_ever
FROM projections.complaints c
LEFT JOIN projections.sla_state s ON s.complaint_id = c.id
WHERE ($1::text[] IS NULL OR c.site = ANY($1::text[])) AND c.received_at >= $2 AND c.received_at < $3
GROUP BY 1
ORDER BY 1;

-- name: officers
-- Each duty officer's indicators (響應時間, 解決率, 滿意度, volume, reopen rate) over [$2, $3),
-- with the complaints behind them, and the same for all of them (officer NULL): not the
-- channels complainants use themselves (channel:web, channel:email, …), nor merged ones.
SELECT c.receiving_officer AS officer,
       count(*) AS received,
       percentile_cont(0.5) WITHIN GROUP (
           ORDER BY extract(epoch FROM c.acknowledged_at - c.received_at)) AS response_p50,
       COALESCE(count(c.resolved_at)::float8 / NULLIF(count(*), 0), 0) AS resolution_rate,
       avg(CASE WHEN c.satisfied THEN 1.0 WHEN NOT c.satisfied THEN 0.0 END) AS satisfaction,
       avg(c.rating)::float8 AS rating,
       COALESCE(avg(CASE WHEN c.cycle > 1 THEN 1.0 ELSE 0.0 END), 0)::float8 AS reopen_rate,
       COALESCE(array_agg(c.id ORDER BY c.received_at)
                FILTER (WHERE c.id IS NOT NULL), '{}') AS complaint_ids,
       COALESCE(array_agg(c.number ORDER BY c.received_at)
                FILTER (WHERE c.id IS NOT NULL), '{}') AS numbers
FROM projections.complaints c
WHERE ($1::text[] IS NULL OR c.site = ANY($1::text[])) AND c.received_at >= $2 AND c.received_at < $3
  AND c.stage <> 'merged' AND c.receiving_officer NOT LIKE 'channel:%'
GROUP BY GROUPING SETS ((c.receiving_officer), ())
ORDER BY 1 NULLS FIRST;

-- name: hotspots
-- The same category at the same site and place at least $3 times since $2.
SELECT c.site, min(c.location) AS location, c.category, count(*) AS complaints,
       array_agg(c.id ORDER BY c.received_at) AS complaint_ids,
       array_agg(c.number ORDER BY c.received_at) AS numbers,
       max(c.received_at) AS last_received_at
FROM projections.complaints c
WHERE ($1::text[] IS NULL OR c.site = ANY($1::text[])) AND c.received_at >= $2
  AND ($4::timestamptz IS NULL OR c.received_at < $4) AND c.stage <> 'merged'
GROUP BY c.site, lower(regexp_replace(c.location, '\s+', '', 'g')), c.category
HAVING count(*) >= $3
ORDER BY complaints DESC, last_received_at DESC
LIMIT 100;

-- name: repeat_complainants
-- The same complainant (by contact key) at least $3 times since $2.
SELECT left(c.complainant_key, 12) AS complainant,
       (array_agg(c.complainant_name ORDER BY c.received_at DESC))[1] AS name,
       count(*) AS complaints,
       array_agg(DISTINCT c.site) AS sites,
       array_agg(c.id ORDER BY c.received_at) AS complaint_ids,
       array_agg(c.number ORDER BY c.received_at) AS numbers,
       max(c.received_at) AS last_received_at
FROM projections.complaints c
WHERE c.complainant_key IS NOT NULL AND ($1::text[] IS NULL OR c.site = ANY($1::text[]))
  AND c.received_at >= $2
GROUP BY c.complainant_key
HAVING count(*) >= $3
ORDER BY complaints DESC, last_received_at DESC
LIMIT 100;

-- name: add_to_timeline
INSERT INTO projections.timeline (stream_type, stream_id, version, position, event_id,
    event_type, occurred_at, actor, correlation_id, causation_id, data, relayed_by)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12);

-- name: timeline
SELECT position, stream_type, version, event_type, event_id, occurred_at, actor,
       correlation_id, causation_id, data, relayed_by
FROM projections.timeline WHERE stream_id = $1
ORDER BY position;

-- name: top_reasons
-- What complainants said was not right, most often first, over [$2, $3).
SELECT reason, count(*) AS answers
FROM projections.complaints c, unnest(c.reasons) AS reason
WHERE ($1::text[] IS NULL OR c.site = ANY($1::text[])) AND c.received_at >= $2 AND c.received_at < $3
GROUP BY reason
ORDER BY answers DESC, reason
LIMIT 5;

-- name: announce_changes
-- Heard by every console page open on the complaint once the transaction commits, in order.
-- (A function scan of unnest yields the array's elements in their order.)
SELECT pg_notify('desk_changes', change) FROM unnest($1::text[]) AS change;

-- name: latest_position
-- The newest event the timeline has: of one complaint, or of all when $1 is NULL.
SELECT coalesce(max(position), 0) AS position
FROM projections.timeline WHERE $1::uuid IS NULL OR stream_id = $1::uuid;

-- name: saved_views
SELECT name, query FROM projections.saved_views WHERE principal_id = :principal_id ORDER BY name;

-- name: save_view
INSERT INTO projections.saved_views (principal_id, name, query)
VALUES (:principal_id, :name, :query)
ON CONFLICT (principal_id, name) DO UPDATE SET query = EXCLUDED.query, saved_at = now();

-- name: forget_view
DELETE FROM projections.saved_views WHERE principal_id = :principal_id AND name = :name;

-- name: open_duplicates
-- Open complaints at the same site, place (or equipment) and category: what a new one may
-- duplicate (已有相同問題處理中). Places compare without case or spaces, as hotspots do.
SELECT id, number, location, asset, category, stage, received_at, co_complainants
FROM projections.complaints
WHERE site = :site AND category = :category
  AND stage NOT IN ('closed', 'referred', 'merged')
  AND (lower(regexp_replace(location, '\s+', '', 'g')) = lower(regexp_replace(:location, '\s+', '', 'g'))
       OR (:asset::text IS NOT NULL AND asset = :asset::text))
  AND (:exclude::uuid IS NULL OR id <> :exclude::uuid)
ORDER BY received_at
LIMIT 20;

-- name: open311_requests
-- Service requests as Open311 lists them: by number, by service code (site-category), in
-- [start, end), open or closed (closed: archived, referred or merged).
SELECT c.number, c.site, c.category, c.stage, c.received_at, c.updated_at, c.closed_at,
       c.location, c.description, c.responsibility, c.third_party, c.referred_to,
       c.merged_into_number, c.photo, s.resolution_due_at
FROM projections.complaints c
LEFT JOIN projections.sla_state s ON s.complaint_id = c.id
WHERE (:sites::text[] IS NULL OR c.site = ANY(:sites::text[]))
  AND (:numbers::text[] IS NULL OR c.number = ANY(:numbers::text[]))
  AND (:codes::text[] IS NULL OR (c.site || '-' || c.category) = ANY(:codes::text[]))
  AND (:start::timestamptz IS NULL OR c.received_at >= :start::timestamptz)
  AND (:end::timestamptz IS NULL OR c.received_at < :end::timestamptz)
  AND (:closed::boolean IS NULL
       OR (c.stage IN ('closed', 'referred', 'merged')) = :closed::boolean)
ORDER BY c.received_at DESC
LIMIT 1000;

-- name: equipment_hotspots
-- Complaints since :since grouped by the registry: one piece of equipment, one place, one
-- type of equipment or one model (these two across the sites asked about), at least
-- :threshold of them, with the mean time between them (the failures' interval).
WITH linked AS (
  SELECT c.*, CASE :by
      WHEN 'asset' THEN c.site || ' ' || c.asset
      WHEN 'place' THEN c.site || ' ' || c.place
      WHEN 'type' THEN c.asset_type
      WHEN 'model' THEN c.asset_type || ' ' || c.model
    END AS key
  FROM projections.complaints c
  WHERE (:sites::text[] IS NULL OR c.site = ANY(:sites::text[])) AND c.received_at >= :since
    AND (:until::timestamptz IS NULL OR c.received_at < :until)
    AND c.stage <> 'merged'
)
SELECT key, min(asset_type) AS asset_type, min(COALESCE(asset_name, place_name)) AS name,
       min(model) AS model, array_agg(DISTINCT site) AS sites, count(*) AS complaints,
       array_agg(id ORDER BY received_at) AS complaint_ids,
       array_agg(number ORDER BY received_at) AS numbers,
       min(received_at) AS first_received_at, max(received_at) AS last_received_at,
       CASE WHEN count(*) > 1 THEN
         extract(epoch FROM max(received_at) - min(received_at)) / (count(*) - 1) / 86400.0
       END AS mean_days_between
FROM linked
WHERE key IS NOT NULL
GROUP BY key
HAVING count(*) >= :threshold
ORDER BY complaints DESC, last_received_at DESC
LIMIT 100;

-- name: put_problem
INSERT INTO projections.problems AS p (
    problem_id, site, title, origin, stage, place, asset, asset_type, model, root_cause,
    outcome, complaints, recurrences, actions, watching_until, opened_at, verified_at,
    closed_at, version
) VALUES (
    :problem_id, :site, :title, :origin, :stage, :place, :asset, :asset_type, :model,
    :root_cause, :outcome, :complaints, :recurrences, :actions, :watching_until, :opened_at,
    :verified_at, :closed_at, :version
)
ON CONFLICT (problem_id) DO UPDATE SET
    stage = EXCLUDED.stage, root_cause = EXCLUDED.root_cause, outcome = EXCLUDED.outcome,
    complaints = EXCLUDED.complaints, recurrences = EXCLUDED.recurrences,
    actions = EXCLUDED.actions, watching_until = EXCLUDED.watching_until,
    verified_at = EXCLUDED.verified_at, closed_at = EXCLUDED.closed_at,
    version = EXCLUDED.version
WHERE p.version < EXCLUDED.version;

-- name: problems
SELECT p.*, (SELECT coalesce(array_agg(r.number ORDER BY r.number), '{}')
             FROM projections.complaints r WHERE r.id = ANY (p.complaints)) AS numbers
FROM projections.problems p
WHERE (:sites::text[] IS NULL OR p.site = ANY (:sites))
  AND (:stage::text IS NULL OR p.stage = :stage)
ORDER BY p.opened_at DESC
LIMIT 500;

-- name: problem
SELECT p.*, (SELECT coalesce(jsonb_agg(jsonb_build_object(
                 'id', r.id, 'number', r.number, 'status', r.status,
                 'received_at', r.received_at) ORDER BY r.received_at), '[]')
             FROM projections.complaints r WHERE r.id = ANY (p.complaints)) AS linked
FROM projections.problems p WHERE p.problem_id = :problem_id;

-- name: put_schedule
INSERT INTO projections.inspection_schedules (
    schedule_id, site, description, location, asset, place, team, plan, problem_id,
    scheduled_at
) VALUES (
    :schedule_id, :site, :description, :location, :asset, :place, :team, :plan, :problem_id,
    :scheduled_at
) ON CONFLICT (schedule_id) DO NOTHING;

-- name: end_schedule
UPDATE projections.inspection_schedules SET ended = true WHERE schedule_id = :schedule_id;

-- name: put_visit
INSERT INTO projections.inspection_visits (visit_id, schedule_id, site, location, due_at, miss_at)
VALUES (:visit_id, :schedule_id, :site, :location, :due_at, :miss_at)
ON CONFLICT (visit_id) DO NOTHING;

-- name: visit_done
UPDATE projections.inspection_visits SET done_at = coalesce(done_at, :at) WHERE visit_id = :visit_id;

-- name: visit_missed
UPDATE projections.inspection_visits SET missed_at = coalesce(missed_at, :at)
WHERE visit_id = :visit_id;

-- name: inspection_schedules
SELECT s.*,
       (SELECT min(v.due_at) FROM projections.inspection_visits v
        WHERE v.schedule_id = s.schedule_id AND v.done_at IS NULL) AS open_since,
       (SELECT coalesce(jsonb_agg(jsonb_build_object(
            'visit_id', v.visit_id, 'due_at', v.due_at, 'miss_at', v.miss_at,
            'done_at', v.done_at, 'missed_at', v.missed_at) ORDER BY v.due_at DESC), '[]')
        FROM (SELECT * FROM projections.inspection_visits v2
              WHERE v2.schedule_id = s.schedule_id ORDER BY v2.due_at DESC LIMIT 20) v) AS visits
FROM projections.inspection_schedules s
WHERE (:sites::text[] IS NULL OR s.site = ANY (:sites))
ORDER BY s.ended, s.scheduled_at DESC;

-- name: put_training
INSERT INTO projections.training (
    training_id, site, officer, reason, source, ref, assigned_at, due_on
) VALUES (:training_id, :site, :officer, :reason, :source, :ref, :assigned_at, :due_on)
ON CONFLICT (training_id) DO NOTHING;

-- name: training_done
UPDATE projections.training SET done_at = coalesce(done_at, :at)
WHERE training_id = :training_id OR (source = 'complaint' AND ref = :ref);

-- name: training_of
-- Training records assigned in [start, end) or still open then, per officer.
SELECT training_id, site, officer, reason, source, ref, assigned_at, due_on, done_at
FROM projections.training
WHERE (:sites::text[] IS NULL OR site = ANY (:sites))
  AND assigned_at < :end AND (done_at IS NULL OR done_at >= :start)
ORDER BY officer, assigned_at;

-- name: learning_figures
-- A period's problems and inspections, for the periodic report: [start, end).
SELECT
    (SELECT count(*) FROM projections.problems
     WHERE (:sites::text[] IS NULL OR site = ANY (:sites))
       AND opened_at >= :start AND opened_at < :end) AS problems_opened,
    (SELECT count(*) FROM projections.problems
     WHERE (:sites::text[] IS NULL OR site = ANY (:sites)) AND outcome = 'effective'
       AND verified_at >= :start AND verified_at < :end) AS problems_effective,
    (SELECT count(*) FROM projections.problems
     WHERE (:sites::text[] IS NULL OR site = ANY (:sites)) AND outcome = 'recurred'
       AND verified_at >= :start AND verified_at < :end) AS problems_recurred,
    (SELECT count(*) FROM projections.inspection_visits
     WHERE (:sites::text[] IS NULL OR site = ANY (:sites)) AND due_at >= :start
       AND due_at < :end AND done_at IS NOT NULL) AS inspections_done,
    (SELECT count(*) FROM projections.inspection_visits
     WHERE (:sites::text[] IS NULL OR site = ANY (:sites)) AND due_at >= :start
       AND due_at < :end AND missed_at IS NOT NULL AND done_at IS NULL) AS inspections_missed;

-- name: put_report
-- The period's report, once: a second replica's insert does nothing (and says so).
INSERT INTO projections.periodic_reports (site, period, issued_at, figures, pdf, csv)
VALUES (:site, :period, :issued_at, :figures, :pdf, :csv)
ON CONFLICT (site, period) DO NOTHING
RETURNING site;

-- name: report_exists
SELECT EXISTS (SELECT 1 FROM projections.periodic_reports WHERE site = :site AND period = :period);

-- name: report_file
SELECT site, period, issued_at, figures, pdf, csv FROM projections.periodic_reports
WHERE site = :site AND period = :period;

-- name: reports
SELECT site, period, issued_at, figures FROM projections.periodic_reports
WHERE (:sites::text[] IS NULL OR site = ANY(:sites::text[]) OR (:organisation AND site = '*'))
ORDER BY issued_at DESC, site
LIMIT 200;

-- name: report_sites
-- The sites a complaint was ever received at: each gets its periodic reports.
SELECT DISTINCT site FROM projections.complaints ORDER BY site;
