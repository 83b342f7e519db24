"""The wire contract: the events (past-tense names, their envelope and upcasters), the topics,
CloudEvents on Kafka records, and the messages other systems send us."""
