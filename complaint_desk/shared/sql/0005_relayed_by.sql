-- Who relayed an actor's action, when it was not the actor's own sign-in: a maintenance
-- system for its technician, an integration for a named officer (the console shows both).
ALTER TABLE eventstore.events ADD COLUMN relayed_by text;
