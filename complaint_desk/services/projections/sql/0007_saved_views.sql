-- Each person's saved views of the register: a name and the register's query as they set it.
CREATE TABLE projections.saved_views (
    principal_id uuid        NOT NULL,
    name         text        NOT NULL CHECK (length(name) BETWEEN 1 AND 60),
    query        text        NOT NULL CHECK (length(query) <= 1000),
    saved_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (principal_id, name)
);
