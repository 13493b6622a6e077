-- Migration 10: the annual review in the atlas (Decision 28/2025 Art. 7; issue 19).
--
-- * `review_period`: a province's (or, with province_code NULL, every province's) review of one
--   assessment period — its dates from the year's rule set and the deadlines of Art. 7: the
--   commune submission deadline the province sets, the province's report to the Ministry (before
--   20 December) and the Ministry's approval (before 30 December). open → closed (no more
--   submissions) → approved (part 2).
-- * `review_submission`: one commune's figures and self-assessment for a period, with its state
--   (draft → submitted → returned | accepted; withdrawn back to draft) and a version that every
--   write must name (a stale write changes nothing).
-- * `review_event`: every step — who, when, what it was before and after.

CREATE SEQUENCE review_period_id_seq START 1;
CREATE TABLE review_period (
    id                 INTEGER PRIMARY KEY DEFAULT nextval('review_period_id_seq'),
    year               INTEGER NOT NULL,
    province_code      VARCHAR,
    period_start       DATE NOT NULL,
    period_end         DATE NOT NULL,
    commune_deadline   DATE NOT NULL,
    province_deadline  DATE NOT NULL,
    ministry_deadline  DATE NOT NULL,
    state              VARCHAR NOT NULL CHECK (state IN ('open', 'closed', 'approved')),
    opened_by          VARCHAR NOT NULL,
    opened_at          TIMESTAMP NOT NULL,
    version            INTEGER NOT NULL DEFAULT 1,
    CHECK (period_end >= period_start),
    CHECK (commune_deadline <= province_deadline AND province_deadline <= ministry_deadline)
);

CREATE SEQUENCE review_submission_id_seq START 1;
CREATE TABLE review_submission (
    id              BIGINT PRIMARY KEY DEFAULT nextval('review_submission_id_seq'),
    period_id       INTEGER NOT NULL,
    unit_id         BIGINT NOT NULL,
    state           VARCHAR NOT NULL CHECK (state IN ('draft', 'submitted', 'returned', 'accepted')),
    version         INTEGER NOT NULL,
    -- The figures as typed: a JSON object of indicator columns (domain.md §5.2) and values.
    figures         VARCHAR NOT NULL,
    self_key_type   VARCHAR CHECK (self_key_type IN ('I', 'II', 'III', 'none')),
    self_drug_free  BOOLEAN,
    justification   VARCHAR,
    -- The reviewer's comment when returned.
    comment         VARCHAR,
    updated_by      VARCHAR NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    UNIQUE (period_id, unit_id)
);

CREATE SEQUENCE review_event_id_seq START 1;
CREATE TABLE review_event (
    id             BIGINT PRIMARY KEY DEFAULT nextval('review_event_id_seq'),
    period_id      INTEGER NOT NULL,
    submission_id  BIGINT,
    action         VARCHAR NOT NULL CHECK (action IN ('open_period', 'close_period', 'save_draft', 'submit', 'withdraw', 'return', 'accept')),
    actor          VARCHAR NOT NULL,
    done_at        TIMESTAMP NOT NULL,
    -- The submission's (or period's) version after the step.
    version        INTEGER,
    before         VARCHAR,
    after          VARCHAR,
    comment        VARCHAR
);

-- Two roles for the review: `officer` (commune police: their communes' forms, nothing else; a
-- scope of commune codes) and `reviewer` (provincial police: every commune of their provinces).
-- Order of the others unchanged: officer < viewer < reviewer < leader < analyst < admin. DuckDB
-- cannot change a CHECK in place: the table is rebuilt with its rows.
CREATE TABLE atlas_user_v10 (
    user_id     INTEGER PRIMARY KEY DEFAULT nextval('atlas_user_id_seq'),
    name        VARCHAR NOT NULL UNIQUE CHECK (regexp_full_match(name, '[A-Za-z0-9._@-]{1,64}')),
    role        VARCHAR NOT NULL CHECK (role IN ('officer', 'viewer', 'reviewer', 'leader', 'analyst', 'admin')),
    scope       VARCHAR NOT NULL CHECK (scope = '*' OR regexp_full_match(scope, '[A-Za-z0-9]+(,[A-Za-z0-9]+)*')),
    disabled    BOOLEAN NOT NULL DEFAULT false,
    created_by  VARCHAR NOT NULL,
    created_at  TIMESTAMP NOT NULL DEFAULT current_timestamp
);
INSERT INTO atlas_user_v10 SELECT user_id, name, role, scope, disabled, created_by, created_at FROM atlas_user;
DROP TABLE atlas_user;
ALTER TABLE atlas_user_v10 RENAME TO atlas_user;

-- The audit timeline gains the review's steps.
DROP VIEW audit_log;
CREATE VIEW audit_log AS
SELECT event_at, actor, action, target, outcome, detail, duration_ms, rows
FROM audit_event
UNION ALL
SELECT coalesce(finished_at, started_at), actor, 'import', kind || ' ' || file_name,
       CASE outcome WHEN 'accepted' THEN 'ok' ELSE outcome END, error_summary,
       epoch_ms(coalesce(finished_at, started_at)) - epoch_ms(started_at), rows_accepted
FROM import_log
UNION ALL
SELECT changed_at, actor, 'plan_' || action, 'plan ' || plan_id, 'ok', after, NULL, NULL
FROM plan_audit
UNION ALL
SELECT done_at, actor, 'review_' || action,
       coalesce('submission ' || submission_id, 'review period ' || period_id), 'ok',
       coalesce(before || ' → ', '') || coalesce(after, '') || coalesce(' — ' || comment, ''), NULL, NULL
FROM review_event;
