CREATE SCHEMA IF NOT EXISTS sla;

-- Each clock of each complaint and cycle, as last measured: the read model behind
-- GET /complaints/{id}/sla. Derived from the complaint's events; rebuilt by a replay.
CREATE TABLE sla.clocks (
    complaint_id    uuid NOT NULL,
    clock           text NOT NULL,
    cycle           integer NOT NULL,
    site            text NOT NULL,
    category        text NOT NULL,
    level           text NOT NULL,
    calendar        text NOT NULL,
    state           text NOT NULL,
    target_seconds  double precision NOT NULL,
    started_at      timestamptz NOT NULL,
    ended_at        timestamptz,
    due_at          timestamptz,
    intervals       jsonb NOT NULL,
    pauses          jsonb NOT NULL,
    PRIMARY KEY (complaint_id, clock, cycle)
);
CREATE INDEX clocks_active_by_site ON sla.clocks (site) WHERE state IN ('running', 'paused');

-- One row per threshold of each clock: armed (due_at set), disarmed (due_at null: paused,
-- met or not reachable) or fired (fired_at set, never again).
CREATE TABLE sla.timers (
    complaint_id  uuid NOT NULL,
    clock         text NOT NULL,
    cycle         integer NOT NULL,
    threshold     text NOT NULL,
    fraction      double precision NOT NULL,
    notify        text NOT NULL,
    site          text NOT NULL,
    level         text NOT NULL,
    due_at        timestamptz,
    fired_at      timestamptz,
    PRIMARY KEY (complaint_id, clock, cycle, threshold)
);
CREATE INDEX timers_due ON sla.timers (due_at) WHERE fired_at IS NULL AND due_at IS NOT NULL;

-- Overrides of the default policy: per site ('*' for every site) and category ('*' for all).
CREATE TABLE sla.policies (
    site        text NOT NULL,
    category    text NOT NULL,
    policy      jsonb NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (site, category)
);

CREATE TABLE sla.calendars (
    site        text PRIMARY KEY,
    calendar    jsonb NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
