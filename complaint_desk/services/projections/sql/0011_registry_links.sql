-- What a complaint is about in the site's registry (AssetLinked): the place, the equipment,
-- its type and model. Hotspots count by these, across sites by type and model.
ALTER TABLE projections.complaints
    ADD COLUMN place        text,
    ADD COLUMN place_name   text,
    ADD COLUMN asset_type   text,
    ADD COLUMN asset_name   text,
    ADD COLUMN model        text;
CREATE INDEX complaints_by_asset ON projections.complaints (site, asset) WHERE asset IS NOT NULL;
