-- The equipment a complaint is about, and merges (併案): where a merged complaint went, and
-- how many co-complainants follow a complaint.
ALTER TABLE projections.complaints
    ADD COLUMN asset                text,
    ADD COLUMN merged_into          uuid,
    ADD COLUMN merged_into_number   text,
    ADD COLUMN co_complainants      integer NOT NULL DEFAULT 0,
    ADD COLUMN photo                uuid;  -- the first photo of the problem (not of a person)

-- Open complaints at one place in one category: what a new complaint may duplicate.
CREATE INDEX complaints_open_by_place
    ON projections.complaints (site, category, lower(regexp_replace(location, '\s+', '', 'g')))
    WHERE stage NOT IN ('closed', 'referred', 'merged');
