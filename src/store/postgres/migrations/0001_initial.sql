-- umdesk schema 1: cases as their JSON documents with the queue's columns
-- beside them, an append-only mirror of every case's history, edit locks
-- and sessions that belong to database connections, drafts, and the
-- hash-chained access log. Applied by `umdesk store init URL` in one
-- transaction, with the row in umdesk_schema_version.

CREATE TABLE cases (
    id          text PRIMARY KEY,
    -- Byte for byte what the file store writes (case::to_json).
    document    text NOT NULL,
    is_final    boolean NOT NULL,
    due_at      timestamptz NOT NULL,
    status      text NOT NULL,
    member      text NOT NULL,
    member_id   text NOT NULL,
    reviewer    text,
    last_digest text NOT NULL,
    saved_at    timestamptz NOT NULL DEFAULT now()
);
-- The queue's order: open before final, then by due time, then by id.
CREATE INDEX cases_queue ON cases (is_final, due_at, id);

-- Every history entry of every case, as it was first saved. Rows are
-- only ever added (see the trigger below).
CREATE TABLE case_history (
    case_id  text NOT NULL REFERENCES cases (id),
    position integer NOT NULL,
    digest   text NOT NULL,
    entry    text NOT NULL,
    PRIMARY KEY (case_id, position)
);

-- The last sequence number handed out per received day: case ids are
-- unique across every machine using the database.
CREATE TABLE day_counters (
    day  date PRIMARY KEY,
    last integer NOT NULL
);

-- A live session holds the advisory lock `lock_key` on its own
-- connection; when the connection ends, so does the session.
CREATE SEQUENCE session_lock_keys;
CREATE TABLE sessions (
    session    text PRIMARY KEY,
    lock_key   bigint NOT NULL UNIQUE,
    holder     text NOT NULL,
    started_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE edit_locks (
    case_id text PRIMARY KEY,
    session text NOT NULL,
    -- The LockInfo as JSON, compared whole by break and take-over.
    info    text NOT NULL
);

CREATE TABLE drafts (
    subject  text NOT NULL,
    author   text NOT NULL,
    session  text NOT NULL,
    saved_at timestamptz NOT NULL,
    body     text NOT NULL,
    PRIMARY KEY (subject, author, session)
);

-- One row per access, `line` exactly as the file store's access.log line;
-- prev/digest beside it, each unique, so the chain cannot fork.
CREATE TABLE access_log (
    position bigint PRIMARY KEY,
    case_id  text NOT NULL,
    prev     text NOT NULL UNIQUE,
    digest   text NOT NULL UNIQUE,
    line     text NOT NULL
);
CREATE INDEX access_log_by_case ON access_log (case_id, position);

-- History and the access log are append-only for everyone, the table's
-- owner included; the app's role is also granted only SELECT and INSERT.
CREATE FUNCTION umdesk_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'umdesk: % is append-only; % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER access_log_append_only BEFORE UPDATE OR DELETE ON access_log
    FOR EACH ROW EXECUTE FUNCTION umdesk_append_only();
CREATE TRIGGER access_log_no_truncate BEFORE TRUNCATE ON access_log
    FOR EACH STATEMENT EXECUTE FUNCTION umdesk_append_only();
CREATE TRIGGER case_history_append_only BEFORE UPDATE OR DELETE ON case_history
    FOR EACH ROW EXECUTE FUNCTION umdesk_append_only();
CREATE TRIGGER case_history_no_truncate BEFORE TRUNCATE ON case_history
    FOR EACH STATEMENT EXECUTE FUNCTION umdesk_append_only();
