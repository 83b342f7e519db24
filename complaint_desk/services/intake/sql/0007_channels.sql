-- What the complainant's channels need of the index: the number (replies quote it), the
-- equipment (a QR code names it), and whether the complaint is still in hand (duplicates
-- are found among those).
ALTER TABLE intake.complaint_index
    ADD COLUMN number  text,
    ADD COLUMN asset   text,
    ADD COLUMN in_hand boolean NOT NULL DEFAULT true;

UPDATE intake.complaint_index i SET number = e.data->>'number'
FROM eventstore.events e
WHERE e.stream_type = 'complaint' AND e.event_type = 'ComplaintReceived'
  AND e.stream_id = i.complaint_id;

UPDATE intake.complaint_index i SET in_hand = false
FROM (SELECT DISTINCT ON (stream_id) stream_id, event_type
      FROM eventstore.events
      WHERE stream_type = 'complaint'
        AND event_type IN ('ComplaintClosed', 'ComplaintReopened', 'ComplaintReferred',
                           'ComplaintClassified')
      ORDER BY stream_id, version DESC) last
WHERE last.stream_id = i.complaint_id
  AND last.event_type IN ('ComplaintClosed', 'ComplaintReferred');

CREATE UNIQUE INDEX complaint_index_number ON intake.complaint_index (number);
CREATE INDEX complaint_index_open_place ON intake.complaint_index (site, category, location_key)
    WHERE in_hand;
