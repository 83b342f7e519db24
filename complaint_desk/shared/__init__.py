"""The runtime every service stands on: the event store, outbox and consumers, the database,
Kafka, authentication, privacy, settings, logs and metrics."""
