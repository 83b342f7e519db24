-- Problem records, inspection schedules and visits, training records and periodic reports,
-- as their events left them: what the console lists and the periodic reports count.
CREATE TABLE projections.problems (
    problem_id      uuid PRIMARY KEY,
    site            text NOT NULL,
    title           text NOT NULL,
    origin          text NOT NULL,
    stage           text NOT NULL,
    place           text,
    asset           text,
    asset_type      text,
    model           text,
    root_cause      text,
    outcome         text,
    complaints      uuid[] NOT NULL DEFAULT '{}',
    recurrences     uuid[] NOT NULL DEFAULT '{}',
    actions         jsonb NOT NULL DEFAULT '[]',
    watching_until  timestamptz,
    opened_at       timestamptz NOT NULL,
    verified_at     timestamptz,
    closed_at       timestamptz,
    version         integer NOT NULL
);
CREATE INDEX problems_by_site ON projections.problems (site, opened_at);

CREATE TABLE projections.inspection_schedules (
    schedule_id  uuid PRIMARY KEY,
    site         text NOT NULL,
    description  text NOT NULL,
    location     text NOT NULL,
    asset        text,
    place        text,
    team         text,
    plan         jsonb NOT NULL,
    problem_id   uuid,
    ended        boolean NOT NULL DEFAULT false,
    scheduled_at timestamptz NOT NULL
);

CREATE TABLE projections.inspection_visits (
    visit_id     uuid PRIMARY KEY,
    schedule_id  uuid NOT NULL,
    site         text NOT NULL,
    location     text NOT NULL,
    due_at       timestamptz NOT NULL,
    miss_at      timestamptz NOT NULL,
    done_at      timestamptz,
    missed_at    timestamptz
);
CREATE INDEX inspection_visits_by_site ON projections.inspection_visits (site, due_at);

-- A retraining (培訓): an improvement action of kind training, or a complaint's attitude
-- solution with retraining for the staff member it named.
CREATE TABLE projections.training (
    training_id  uuid PRIMARY KEY,
    site         text NOT NULL,
    officer      text NOT NULL,
    reason       text NOT NULL,
    source       text NOT NULL,
    ref          uuid NOT NULL,
    assigned_at  timestamptz NOT NULL,
    due_on       date,
    done_at      timestamptz
);
CREATE INDEX training_by_officer ON projections.training (site, officer);

CREATE TABLE projections.periodic_reports (
    site       text NOT NULL,
    period     text NOT NULL,
    issued_at  timestamptz NOT NULL,
    figures    jsonb NOT NULL,
    pdf        bytea NOT NULL,
    csv        text NOT NULL,
    PRIMARY KEY (site, period)
);
