-- What the dashboards and officer indicators need: the last callback's answer.
ALTER TABLE projections.complaints ADD COLUMN satisfied boolean;
CREATE INDEX complaints_by_officer ON projections.complaints (receiving_officer, received_at);
