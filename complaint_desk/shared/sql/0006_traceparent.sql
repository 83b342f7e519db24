-- The W3C trace context an event was recorded in (CloudEvents' distributed-tracing
-- extension): one complaint's path across the services is one trace, even where the outbox
-- publishes it later and another service reacts to it.
ALTER TABLE eventstore.events ADD COLUMN traceparent text;
