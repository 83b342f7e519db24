-- Which complaint each task belongs to: other systems' replies may name the task alone.
CREATE TABLE intake.tasks (
    task_id       uuid PRIMARY KEY,
    complaint_id  uuid NOT NULL
);

INSERT INTO intake.tasks (task_id, complaint_id)
SELECT (data->>'task_id')::uuid, stream_id FROM eventstore.events
WHERE stream_type = 'complaint' AND event_type = 'TaskAssigned'
ON CONFLICT DO NOTHING;
