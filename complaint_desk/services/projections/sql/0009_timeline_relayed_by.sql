-- Who relayed an actor's action (a maintenance system for its technician, an integration for
-- a named officer): the timeline says "who, on whose behalf".
ALTER TABLE projections.timeline ADD COLUMN relayed_by text;
