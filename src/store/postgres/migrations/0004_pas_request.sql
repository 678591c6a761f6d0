-- A PAS request imported twice must not make two cases: the request's key
-- (its Bundle.identifier, "system|value", as case::PasRequest::key spells
-- it) is unique among the cases that carry one, and indexed for
-- CaseStore::find_by_request.
CREATE UNIQUE INDEX cases_pas_request ON cases (
    (coalesce(document::jsonb #>> '{pas_request,bundle,system}', '')
        || '|' || (document::jsonb #>> '{pas_request,bundle,value}'))
) WHERE (document::jsonb #>> '{pas_request,bundle,value}') IS NOT NULL;
