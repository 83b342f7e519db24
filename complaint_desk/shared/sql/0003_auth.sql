-- Who may use the system: people (console sign-in) and systems (API tokens), their role and
-- the sites they serve. Credentials are kept only as digests.
CREATE SCHEMA IF NOT EXISTS auth;

CREATE TABLE auth.principals (
    id             uuid PRIMARY KEY,
    name           text NOT NULL UNIQUE,
    role           text NOT NULL,
    sites          text[],                    -- NULL: every site
    commands       text[] NOT NULL DEFAULT '{}',  -- an integration's commands
    event_types    text[] NOT NULL DEFAULT '{}',  -- an integration's inbound event types
    password_hash  text,                      -- scrypt; NULL: no console sign-in
    created_at     timestamptz NOT NULL DEFAULT now(),
    disabled_at    timestamptz
);

-- API tokens and console sessions alike: a bearer secret's SHA-256, never the secret.
CREATE TABLE auth.credentials (
    digest        bytea PRIMARY KEY,
    principal_id  uuid NOT NULL REFERENCES auth.principals (id) ON DELETE CASCADE,
    kind          text NOT NULL CHECK (kind IN ('api', 'session')),
    label         text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz,
    revoked_at    timestamptz
);
CREATE INDEX credentials_principal ON auth.credentials (principal_id);

-- Requests and messages refused for want of a valid credential or signature: who tried what.
CREATE TABLE auth.refusals (
    id          bigserial PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    channel     text NOT NULL,       -- 'http' or the Kafka topic
    reason      text NOT NULL,
    principal   text,                -- the name claimed or authenticated, if any
    detail      jsonb NOT NULL DEFAULT '{}'
);
