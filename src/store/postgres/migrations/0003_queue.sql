-- umdesk schema 3: the queue a page at a time, filtered by an index, with
-- the dashboard's figures computed here, and live: every change to a case
-- or its edit lock is announced on the channel `umdesk_queue`.
--
-- The summary columns are filled from each case's document by umdesk
-- (`umdesk store init` fills them for cases saved before this version),
-- as is `search`: the lower-cased "id member member-id reviewer" the
-- queue's filter looks in, lower-cased by umdesk so that it matches the
-- file store's filter whatever the database's locale.

-- pg_trgm is a trusted extension: a database owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

ALTER TABLE cases
    ADD COLUMN outcome            text,
    ADD COLUMN received_at        timestamptz,
    ADD COLUMN decided_at         timestamptz,
    ADD COLUMN decided_by         text,
    ADD COLUMN first_final_by     text,
    ADD COLUMN first_final_at     timestamptz,
    ADD COLUMN qa_reviewed        text,
    ADD COLUMN qa_outcome_agrees  boolean,
    ADD COLUMN qa_criteria        integer,
    ADD COLUMN qa_criteria_agreed integer,
    ADD COLUMN search             text NOT NULL DEFAULT '';

-- The queue's order compares ids byte for byte (the "C" collation), as
-- umdesk does, whatever the database's default collation.
DROP INDEX cases_queue;
CREATE INDEX cases_queue ON cases (is_final, due_at, (id COLLATE "C"));
CREATE INDEX cases_queue_by_status ON cases (status, is_final, due_at, (id COLLATE "C"));
-- "As you type": a substring of any length three or more is found through
-- the index; shorter ones walk the queue's order until a page is full.
CREATE INDEX cases_search ON cases USING gin (search gin_trgm_ops);

-- A statement that changes a few cases names each; a bulk load (a copy
-- between stores) says only that the queue changed, once.
CREATE FUNCTION umdesk_announce_cases() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT count(*) FROM changed) > 100 THEN
        PERFORM pg_notify('umdesk_queue', '');
    ELSE
        PERFORM pg_notify('umdesk_queue', id) FROM changed;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER cases_announce_insert AFTER INSERT ON cases
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION umdesk_announce_cases();
CREATE TRIGGER cases_announce_update AFTER UPDATE ON cases
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION umdesk_announce_cases();

CREATE FUNCTION umdesk_announce_lock() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('umdesk_queue', OLD.case_id);
    ELSE
        PERFORM pg_notify('umdesk_queue', NEW.case_id);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER edit_locks_announce AFTER INSERT OR UPDATE OR DELETE ON edit_locks
    FOR EACH ROW EXECUTE FUNCTION umdesk_announce_lock();
