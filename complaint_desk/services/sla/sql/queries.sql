-- name: policy_for
-- The most specific policy: the site's for the category, the site's, every site's for the
-- category, every site's.
SELECT policy FROM sla.policies
WHERE site IN ($1, '*') AND category IN ($2, '*')
ORDER BY (site = $1) DESC, (category = $2) DESC
LIMIT 1;

-- name: put_policy
INSERT INTO sla.policies (site, category, policy, updated_at) VALUES ($1, $2, $3, now())
ON CONFLICT (site, category) DO UPDATE SET policy = EXCLUDED.policy, updated_at = now();

-- name: get_policy
SELECT policy, updated_at FROM sla.policies WHERE site = $1 AND category = $2;

-- name: calendar_for
SELECT calendar FROM sla.calendars WHERE site = $1;

-- name: put_calendar
INSERT INTO sla.calendars (site, calendar, updated_at) VALUES ($1, $2, now())
ON CONFLICT (site) DO UPDATE SET calendar = EXCLUDED.calendar, updated_at = now();

-- name: clocks_of
SELECT complaint_id, clock, cycle, site, category, level, calendar, state, target_seconds,
       started_at, ended_at, due_at, intervals, pauses
FROM sla.clocks WHERE complaint_id = $1 ORDER BY cycle, clock;

-- name: save_clock
INSERT INTO sla.clocks (complaint_id, clock, cycle, site, category, level, calendar, state,
                        target_seconds, started_at, ended_at, due_at, intervals, pauses)
VALUES (:complaint_id, :clock, :cycle, :site, :category, :level, :calendar, :state,
        :target_seconds, :started_at, :ended_at, :due_at, :intervals, :pauses)
ON CONFLICT (complaint_id, clock, cycle) DO UPDATE SET
    site = EXCLUDED.site, category = EXCLUDED.category, level = EXCLUDED.level,
    calendar = EXCLUDED.calendar, state = EXCLUDED.state,
    target_seconds = EXCLUDED.target_seconds, ended_at = EXCLUDED.ended_at,
    due_at = EXCLUDED.due_at, intervals = EXCLUDED.intervals, pauses = EXCLUDED.pauses;

-- name: arm_timers
-- A fired threshold stays fired: re-targeting never makes it fire again. One statement for
-- all the rows (columns as arrays; each threshold at most once).
INSERT INTO sla.timers (complaint_id, clock, cycle, threshold, fraction, notify, site, level,
                        due_at)
SELECT * FROM unnest(:complaint_ids::uuid[], :clocks::text[], :cycles::int[],
                     :thresholds::text[], :fractions::float8[], :notifies::text[],
                     :sites::text[], :levels::text[], :due_ats::timestamptz[])
ON CONFLICT (complaint_id, clock, cycle, threshold) DO UPDATE SET
    fraction = EXCLUDED.fraction, notify = EXCLUDED.notify, level = EXCLUDED.level,
    due_at = EXCLUDED.due_at
WHERE sla.timers.fired_at IS NULL;

-- name: claim_due
-- SKIP LOCKED: replicas share the due timers, each taken by one.
SELECT complaint_id, clock, cycle, threshold, fraction, notify, site, level, due_at
FROM sla.timers
WHERE fired_at IS NULL AND due_at <= $1
ORDER BY due_at
LIMIT $2
FOR UPDATE SKIP LOCKED;

-- name: mark_fired
UPDATE sla.timers SET fired_at = $5
WHERE complaint_id = $1 AND clock = $2 AND cycle = $3 AND threshold = $4;

-- name: open_complaints_at
SELECT DISTINCT complaint_id FROM sla.clocks
WHERE state IN ('running', 'paused') AND ($1 = '*' OR site = $1) AND ($2 = '*' OR category = $2);

-- name: applied_version
SELECT COALESCE((SELECT version FROM consumers.stream_positions
                 WHERE consumer = 'sla.clocks' AND stream_type = 'complaint'
                 AND stream_id = $1), 0);

-- name: timers_of
SELECT clock, cycle, threshold, fired_at FROM sla.timers WHERE complaint_id = $1;

-- name: known_sites
-- Every site the clocks or the policies know: its breach counters start at zero.
SELECT site FROM sla.clocks UNION SELECT site FROM sla.policies WHERE site <> '*';

-- name: deadline_of
-- When a clock breaches: its breach timer's due time.
SELECT due_at FROM sla.timers
WHERE complaint_id = $1 AND clock = $2 AND cycle = $3 AND threshold = 'breach';

-- name: arm_deadline
-- (Re)arm a deadline; a fired one stays fired.
INSERT INTO sla.deadlines (stream_type, stream_id, name, site, due_at)
VALUES (:stream_type, :stream_id, :deadline, :site, :due_at)
ON CONFLICT (stream_type, stream_id, name) DO UPDATE SET due_at = EXCLUDED.due_at
WHERE sla.deadlines.fired_at IS NULL;

-- name: disarm_deadlines
UPDATE sla.deadlines SET due_at = NULL
WHERE stream_type = :stream_type AND stream_id = :stream_id AND name LIKE :name_like
  AND fired_at IS NULL;

-- name: claim_due_deadlines
-- SKIP LOCKED: replicas share the due deadlines, each taken by one.
SELECT stream_type, stream_id, name, site, due_at
FROM sla.deadlines
WHERE fired_at IS NULL AND due_at <= :now
ORDER BY due_at
LIMIT :limit
FOR UPDATE SKIP LOCKED;

-- name: mark_deadline_fired
UPDATE sla.deadlines SET fired_at = :now
WHERE stream_type = :stream_type AND stream_id = :stream_id AND name = :deadline;

-- name: put_schedule
INSERT INTO sla.inspection_schedules (schedule_id, site, scheduled)
VALUES (:schedule_id, :site, :scheduled)
ON CONFLICT (schedule_id) DO NOTHING;

-- name: get_schedule
SELECT site, scheduled, ended FROM sla.inspection_schedules WHERE schedule_id = :schedule_id;

-- name: end_schedule
UPDATE sla.inspection_schedules SET ended = true WHERE schedule_id = :schedule_id;

-- name: next_due
-- When the timer loop next has work: the earliest armed, unfired timer or deadline.
SELECT least(
    (SELECT min(due_at) FROM sla.timers WHERE fired_at IS NULL AND due_at IS NOT NULL),
    (SELECT min(due_at) FROM sla.deadlines WHERE fired_at IS NULL AND due_at IS NOT NULL)
);
