-- Idempotency keys belong to whoever sent them: another caller's key never answers for
-- yours. The request's fingerprint tells a retry (same body) from a reuse (another body).
ALTER TABLE intake.idempotency_keys ADD COLUMN principal text NOT NULL DEFAULT '';
ALTER TABLE intake.idempotency_keys ADD COLUMN request_hash text;
ALTER TABLE intake.idempotency_keys DROP CONSTRAINT idempotency_keys_pkey;
ALTER TABLE intake.idempotency_keys ADD PRIMARY KEY (principal, key);
