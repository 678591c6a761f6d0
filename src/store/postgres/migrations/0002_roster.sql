-- The store's roster: one row, its JSON document and its version, so two
-- supervisors cannot overwrite each other's change.
CREATE TABLE roster (
    id       smallint PRIMARY KEY CHECK (id = 1),
    version  bigint NOT NULL,
    document text NOT NULL
);

-- The access log's length and last digest as of the last append, so that a
-- log cut short past the trigger (by an administrator) is detected.
CREATE TABLE access_log_head (
    id      smallint PRIMARY KEY CHECK (id = 1),
    entries bigint NOT NULL,
    digest  text NOT NULL
);
