-- The register is now a pure fold of the events (written whole by the projector and the
-- rebuild alike), and knows repeat complainants by a keyed hash of their contacts.
ALTER TABLE projections.complaints ADD COLUMN complainant_key text;
CREATE INDEX complaints_by_complainant ON projections.complaints (complainant_key, received_at)
    WHERE complainant_key IS NOT NULL;

-- When each running clock falls due (null while paused, met or stopped): the console's
-- countdowns.
ALTER TABLE projections.sla_state
    ADD COLUMN response_due_at    timestamptz,
    ADD COLUMN resolution_due_at  timestamptz;
