-- name: principal_for_credential
SELECT p.id, p.name, p.role, p.sites, p.commands, p.event_types
FROM auth.credentials c JOIN auth.principals p ON p.id = c.principal_id
WHERE c.digest = $1 AND c.revoked_at IS NULL AND p.disabled_at IS NULL
  AND (c.expires_at IS NULL OR c.expires_at > now());

-- name: principal_by_id
SELECT id, name, role, sites, commands, event_types FROM auth.principals
WHERE id = $1 AND disabled_at IS NULL;

-- name: principal_by_name
SELECT id, name, role, sites, commands, event_types, password_hash FROM auth.principals
WHERE name = $1 AND disabled_at IS NULL;

-- name: upsert_principal
INSERT INTO auth.principals (id, name, role, sites, commands, event_types, password_hash)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (name) DO UPDATE
SET role = EXCLUDED.role, sites = EXCLUDED.sites, commands = EXCLUDED.commands,
    event_types = EXCLUDED.event_types,
    password_hash = coalesce(EXCLUDED.password_hash, auth.principals.password_hash),
    disabled_at = NULL
RETURNING id;

-- name: add_principal_once
-- Creates the principal unless one of that name exists (enabled or disabled: a disabled one
-- stays disabled); its id either way.
WITH added AS (
    INSERT INTO auth.principals (id, name, role) VALUES ($1, $2, $3)
    ON CONFLICT (name) DO NOTHING
    RETURNING id
)
SELECT id FROM added UNION ALL SELECT id FROM auth.principals WHERE name = $2;

-- name: list_principals
SELECT p.id, p.name, p.role, p.sites, p.commands, p.event_types, p.created_at, p.disabled_at,
       count(c.digest) FILTER (WHERE c.kind = 'api' AND c.revoked_at IS NULL) AS tokens
FROM auth.principals p LEFT JOIN auth.credentials c ON c.principal_id = p.id
GROUP BY p.id ORDER BY p.name;

-- name: disable_principal
-- The principal's id if it was enabled (none: no such name, or disabled already).
WITH p AS (
    UPDATE auth.principals SET disabled_at = now() WHERE name = $1 AND disabled_at IS NULL
    RETURNING id
), revoked AS (
    UPDATE auth.credentials SET revoked_at = now()
    WHERE principal_id IN (SELECT id FROM p) AND revoked_at IS NULL
)
SELECT id FROM p;

-- name: enable_principal
UPDATE auth.principals SET disabled_at = NULL WHERE name = $1 AND disabled_at IS NOT NULL
RETURNING id;

-- name: principal_exists
SELECT disabled_at IS NOT NULL AS disabled FROM auth.principals WHERE name = $1;

-- name: set_password
-- A new password, for an enabled principal only (enable it first): their sessions end.
WITH p AS (
    UPDATE auth.principals SET password_hash = $2 WHERE name = $1 AND disabled_at IS NULL
    RETURNING id
), ended AS (
    UPDATE auth.credentials SET revoked_at = now()
    WHERE principal_id IN (SELECT id FROM p) AND kind = 'session' AND revoked_at IS NULL
)
SELECT id FROM p;

-- name: add_credential
INSERT INTO auth.credentials (digest, principal_id, kind, label, expires_at)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (digest) DO NOTHING;

-- name: revoke_credential
UPDATE auth.credentials SET revoked_at = now() WHERE digest = $1 AND revoked_at IS NULL;

-- name: forget_expired_sessions
DELETE FROM auth.credentials WHERE kind = 'session' AND expires_at < now() - interval '1 day';

-- name: record_refusal
INSERT INTO auth.refusals (channel, reason, principal, detail) VALUES ($1, $2, $3, $4);

-- name: refusals
SELECT id, at, channel, reason, principal, detail FROM auth.refusals
ORDER BY id DESC LIMIT $1 OFFSET $2;
