-- The complainant (data subject) of each complaint, so that erasing a person reaches every
-- complaint of theirs.
ALTER TABLE intake.complaint_index ADD COLUMN subject_id uuid;
CREATE INDEX complaint_index_subject ON intake.complaint_index (subject_id)
    WHERE subject_id IS NOT NULL;
