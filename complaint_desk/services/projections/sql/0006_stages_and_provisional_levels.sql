-- The register shows the guide's stages (contacted, waiting with its reason), the officer who
-- owns each complaint, where a referred one went and, until an officer classifies a complaint, the level its clocks run
-- on, marked provisional.
ALTER TABLE projections.complaints
    ADD COLUMN stage                text,
    ADD COLUMN waiting_reason       text,
    ADD COLUMN severity_provisional boolean NOT NULL DEFAULT false,
    ADD COLUMN owner                text,
    ADD COLUMN referred_to          text;

UPDATE projections.complaints SET stage = status, owner = receiving_officer;
ALTER TABLE projections.complaints ALTER COLUMN stage SET NOT NULL;
ALTER TABLE projections.complaints ALTER COLUMN owner SET NOT NULL;
CREATE INDEX complaints_by_owner ON projections.complaints (owner, received_at);

-- Rows written before this migration: the provisional level as the rule stood when it was
-- written (shared/events/lifecycle.py provisional_level). A contacted stage or a waiting
-- status appears with the next event, or at once with `desk rebuild`.
UPDATE projections.complaints
SET severity = CASE
        WHEN category = 'safety' OR urgency = 'critical' OR safety_escalated THEN 'L1'
        WHEN urgency = 'high' OR category = 'hygiene' THEN 'L2'
        ELSE 'L3' END,
    severity_provisional = true
WHERE severity IS NULL;

-- The supervisor's review has a clock of its own.
ALTER TABLE projections.sla_state ADD COLUMN review_due_at timestamptz;

-- The complainant's satisfaction answer: a rating from 1 to 5 and what was not right.
ALTER TABLE projections.complaints
    ADD COLUMN rating   smallint,
    ADD COLUMN reasons  text[] NOT NULL DEFAULT '{}';
