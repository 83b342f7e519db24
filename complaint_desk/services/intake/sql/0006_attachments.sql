-- Files attached to complaints, stored content-addressed: one blob per distinct content
-- (SHA-256 of the stored bytes), in chunks, so no file is ever read into memory whole and
-- the database's backups keep them. An attachment names its blob and its derived copies.
CREATE TABLE intake.blobs (
    sha256      text PRIMARY KEY,
    media_type  text NOT NULL,
    size        bigint NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE intake.blob_chunks (
    sha256  text NOT NULL REFERENCES intake.blobs ON DELETE CASCADE,
    n       integer NOT NULL,
    data    bytea NOT NULL,
    PRIMARY KEY (sha256, n)
);

CREATE TABLE intake.attachments (
    id            uuid PRIMARY KEY,
    complaint_id  uuid NOT NULL,
    site          text NOT NULL,
    sha256        text NOT NULL,
    web_sha256    text,
    thumb_sha256  text,
    media_type    text NOT NULL,
    size          bigint NOT NULL,
    name          text NOT NULL,
    personal      boolean NOT NULL DEFAULT false,
    uploaded_by   text NOT NULL,
    uploaded_at   timestamptz NOT NULL DEFAULT now(),
    erased_at     timestamptz
);
CREATE INDEX attachments_by_complaint ON intake.attachments (complaint_id);
CREATE INDEX attachments_by_blob ON intake.attachments (sha256);
