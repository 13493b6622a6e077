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
