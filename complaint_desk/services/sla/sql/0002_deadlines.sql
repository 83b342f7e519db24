-- Durable deadlines on other streams than the complaints' clocks: an inspection schedule's
-- next visit, a visit's grace, a problem's watch. Armed (due_at set), disarmed (due_at
-- null) or fired (fired_at set, never again); replicas share them with SKIP LOCKED.
CREATE TABLE sla.deadlines (
    stream_type  text NOT NULL,
    stream_id    uuid NOT NULL,
    name         text NOT NULL,
    site         text NOT NULL,
    due_at       timestamptz,
    fired_at     timestamptz,
    PRIMARY KEY (stream_type, stream_id, name)
);
CREATE INDEX deadlines_due ON sla.deadlines (due_at) WHERE fired_at IS NULL AND due_at IS NOT NULL;

-- Each inspection schedule as scheduled: what its visits' work orders say.
CREATE TABLE sla.inspection_schedules (
    schedule_id  uuid PRIMARY KEY,
    site         text NOT NULL,
    scheduled    jsonb NOT NULL,
    ended        boolean NOT NULL DEFAULT false
);
