CREATE SCHEMA IF NOT EXISTS notify;

-- Who to call back about each complaint, on which channel, and what messages need to say.
CREATE TABLE notify.contacts (
    complaint_id       uuid PRIMARY KEY,
    number             text NOT NULL,
    site               text NOT NULL,
    preferred_channel  text NOT NULL,
    phone              text,
    email              text,
    receiving_officer  text NOT NULL,
    cycle              integer NOT NULL DEFAULT 1,
    received_at        timestamptz NOT NULL
);

-- Integrators' subscriptions: which event types of which site go to which endpoint.
CREATE TABLE notify.subscriptions (
    id               uuid PRIMARY KEY,
    name             text NOT NULL,
    site             text NOT NULL,
    event_types      text[] NOT NULL,
    channel          text NOT NULL,
    destination      text NOT NULL,
    secrets          text[] NOT NULL DEFAULT '{}',
    enabled          boolean NOT NULL DEFAULT true,
    disabled_reason  text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);

-- Staff to tell, by site ('*' for every site) and role (supervisor, duty_manager,
-- assigned_officer, maintenance, procurement, maintenance:<team>, officer:<name>, ...).
CREATE TABLE notify.directory (
    site         text NOT NULL,
    role         text NOT NULL,
    channel      text NOT NULL,
    destination  text NOT NULL,
    locale       text NOT NULL DEFAULT 'zh-Hant',
    PRIMARY KEY (site, role)
);

-- The durable delivery queue. One row per (event, destination): a redelivered event is
-- queued, and so sent, once.
CREATE TABLE notify.deliveries (
    id               uuid PRIMARY KEY,
    dedupe_key       text NOT NULL UNIQUE,
    complaint_id     uuid,
    site             text NOT NULL,
    channel          text NOT NULL,
    destination      text NOT NULL,
    subscription_id  uuid,
    recipient        text NOT NULL,
    kind             text NOT NULL,
    subject          text NOT NULL,
    body             text NOT NULL,
    payload          jsonb NOT NULL,
    status           text NOT NULL DEFAULT 'pending',
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL,
    lease_until      timestamptz,
    last_error       text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    finished_at      timestamptz
);
CREATE INDEX deliveries_due ON notify.deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_dead ON notify.deliveries (finished_at) WHERE status = 'dead';

CREATE TABLE notify.sms_daily (
    phone  text NOT NULL,
    day    date NOT NULL,
    sent   integer NOT NULL,
    PRIMARY KEY (phone, day)
);

-- The complainant callback (回訪) of each cycle, and when to follow it up.
CREATE TABLE notify.callbacks (
    complaint_id  uuid NOT NULL,
    cycle         integer NOT NULL,
    nonce         text NOT NULL,
    channel       text NOT NULL,
    status        text NOT NULL,
    requested_at  timestamptz NOT NULL,
    next_step_at  timestamptz,
    expires_at    timestamptz NOT NULL,
    answered_at   timestamptz,
    PRIMARY KEY (complaint_id, cycle)
);
CREATE INDEX callbacks_due ON notify.callbacks (next_step_at) WHERE next_step_at IS NOT NULL;
