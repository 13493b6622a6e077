-- Migration 11: the province approves the review's lists (Decision 28/2025 Art. 7.2, 9.2.b; issue 20).
--
-- * `review_decision`: a provincial People's Committee's decision on one period's lists for one
--   province — the approval, then any amendments — with its number, date and signer. History is
--   every decision in order; the lists in force are the approval with each amendment applied.
-- * `review_decision_entry`: what a decision puts a commune on: type I, II or III, the drug-free
--   list, or none. Kept beside it: what the figures gave (NULL: undetermined), what the commune
--   said of itself, its list in the previous approved period, the main criteria met, and the
--   reason when the approver departed from the figures.
-- * `ministry_decision`: the Ministry of Public Security's approval of a province-level result for a
--   year (Art. 7.3, before 30 December): key area or not, drug-free or not, the province's key
--   route designation — with its decision number, date and signer; one per province and year.
-- * `review_event` gains the steps `approve`, `amend` and `ministry_approve`; `atlas_user` the roles
--   `approver` (the provincial People's Committee: viewer + approving the lists of the provinces in
--   scope) and `ministry` (viewer + the national view and the province-level approvals). DuckDB
--   cannot change a CHECK in place: both tables are rebuilt with their rows.

CREATE SEQUENCE review_decision_id_seq START 1;
CREATE TABLE review_decision (
    id             INTEGER PRIMARY KEY DEFAULT nextval('review_decision_id_seq'),
    period_id      INTEGER NOT NULL,
    province_code  VARCHAR NOT NULL,
    kind           VARCHAR NOT NULL CHECK (kind IN ('approval', 'amendment')),
    decision_no    VARCHAR NOT NULL CHECK (length(trim(decision_no)) > 0),
    decision_date  DATE NOT NULL,
    signer         VARCHAR NOT NULL CHECK (length(trim(signer)) > 0),
    decided_by     VARCHAR NOT NULL,
    decided_at     TIMESTAMP NOT NULL,
    UNIQUE (province_code, decision_no)
);

CREATE TABLE review_decision_entry (
    decision_id      INTEGER NOT NULL,
    unit_id          BIGINT NOT NULL,
    list             VARCHAR NOT NULL CHECK (list IN ('I', 'II', 'III', 'drug_free', 'none')),
    computed_list    VARCHAR CHECK (computed_list IN ('I', 'II', 'III', 'drug_free', 'none')),
    self_list        VARCHAR CHECK (self_list IN ('I', 'II', 'III', 'drug_free', 'none')),
    previous_list    VARCHAR CHECK (previous_list IN ('I', 'II', 'III', 'drug_free', 'none')),
    criteria         VARCHAR NOT NULL DEFAULT '',
    override_reason  VARCHAR,
    PRIMARY KEY (decision_id, unit_id)
);

CREATE SEQUENCE ministry_decision_id_seq START 1;
CREATE TABLE ministry_decision (
    id             INTEGER PRIMARY KEY DEFAULT nextval('ministry_decision_id_seq'),
    year           INTEGER NOT NULL,
    province_code  VARCHAR NOT NULL,
    key_area       BOOLEAN NOT NULL,
    drug_free      BOOLEAN NOT NULL,
    route_scope    VARCHAR CHECK (route_scope IN ('none', 'intra_provincial', 'inter_provincial', 'transnational')),
    decision_no    VARCHAR NOT NULL CHECK (length(trim(decision_no)) > 0),
    decision_date  DATE NOT NULL,
    signer         VARCHAR NOT NULL CHECK (length(trim(signer)) > 0),
    decided_by     VARCHAR NOT NULL,
    decided_at     TIMESTAMP NOT NULL,
    UNIQUE (year, province_code),
    CHECK (NOT (key_area AND drug_free))
);

DROP VIEW audit_log;

CREATE TABLE review_event_v11 (
    id             BIGINT PRIMARY KEY DEFAULT nextval('review_event_id_seq'),
    period_id      INTEGER NOT NULL,
    submission_id  BIGINT,
    action         VARCHAR NOT NULL CHECK (action IN ('open_period', 'close_period', 'save_draft', 'submit', 'withdraw', 'return', 'accept', 'approve', 'amend', 'ministry_approve')),
    actor          VARCHAR NOT NULL,
    done_at        TIMESTAMP NOT NULL,
    version        INTEGER,
    before         VARCHAR,
    after          VARCHAR,
    comment        VARCHAR
);
INSERT INTO review_event_v11 SELECT id, period_id, submission_id, action, actor, done_at, version, before, after, comment FROM review_event;
DROP TABLE review_event;
ALTER TABLE review_event_v11 RENAME TO review_event;

CREATE TABLE atlas_user_v11 (
    user_id     INTEGER PRIMARY KEY DEFAULT nextval('atlas_user_id_seq'),
    name        VARCHAR NOT NULL UNIQUE CHECK (regexp_full_match(name, '[A-Za-z0-9._@-]{1,64}')),
    role        VARCHAR NOT NULL CHECK (role IN ('officer', 'viewer', 'reviewer', 'approver', 'ministry', 'leader', 'analyst', 'admin')),
    scope       VARCHAR NOT NULL CHECK (scope = '*' OR regexp_full_match(scope, '[A-Za-z0-9]+(,[A-Za-z0-9]+)*')),
    disabled    BOOLEAN NOT NULL DEFAULT false,
    created_by  VARCHAR NOT NULL,
    created_at  TIMESTAMP NOT NULL DEFAULT current_timestamp
);
INSERT INTO atlas_user_v11 SELECT user_id, name, role, scope, disabled, created_by, created_at FROM atlas_user;
DROP TABLE atlas_user;
ALTER TABLE atlas_user_v11 RENAME TO atlas_user;

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
