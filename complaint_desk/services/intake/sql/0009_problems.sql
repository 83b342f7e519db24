-- Problem records and inspection schedules as their events left them: which problem new
-- complaints on a piece of equipment belong to, and whose reply an action or a visit is.
CREATE TABLE intake.problems (
    problem_id  uuid PRIMARY KEY,
    site        text NOT NULL,
    asset       text,
    stage       text NOT NULL
);
CREATE INDEX problems_open_by_asset ON intake.problems (site, asset) WHERE stage <> 'closed';

CREATE TABLE intake.problem_actions (
    action_id   uuid PRIMARY KEY,
    problem_id  uuid NOT NULL REFERENCES intake.problems (problem_id)
);
