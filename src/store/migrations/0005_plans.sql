-- Conversion plans (migration 5): which communes a province will convert (chuyển hóa) in a
-- target year, with notes, a lifecycle (draft → submitted → approved → closed) and a full audit
-- trail. `version` implements optimistic concurrency: every write names the version it read.

CREATE SEQUENCE plan_id_seq START 1;
CREATE TABLE plan (
    plan_id        BIGINT PRIMARY KEY DEFAULT nextval('plan_id_seq'),
    name           VARCHAR NOT NULL,
    province_code  VARCHAR NOT NULL,
    target_year    SMALLINT NOT NULL CHECK (target_year BETWEEN 2000 AND 2035),
    quota          INTEGER CHECK (quota >= 0),
    status         VARCHAR NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'submitted', 'approved', 'closed')),
    version        INTEGER NOT NULL DEFAULT 1,
    created_by     VARCHAR NOT NULL,
    created_at     TIMESTAMP NOT NULL DEFAULT current_timestamp,
    updated_by     VARCHAR NOT NULL,
    updated_at     TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE TABLE plan_commune (
    plan_id   BIGINT NOT NULL,
    unit_id   BIGINT NOT NULL,
    note      VARCHAR,
    added_by  VARCHAR NOT NULL,
    added_at  TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (plan_id, unit_id)
);

-- Every change: who, when, what, and the plan as JSON before and after.
CREATE SEQUENCE plan_audit_id_seq START 1;
CREATE TABLE plan_audit (
    audit_id  BIGINT PRIMARY KEY DEFAULT nextval('plan_audit_id_seq'),
    plan_id   BIGINT NOT NULL,
    changed_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    actor     VARCHAR NOT NULL,
    action    VARCHAR NOT NULL,
    before    VARCHAR,
    after     VARCHAR
);

-- Plans with their communes named and the outcome: recognised drug-free in the target year?
CREATE VIEW plan_commune_v AS
SELECT p.plan_id, p.name AS plan_name, p.province_code, p.target_year, p.status AS plan_status,
       u.code AS unit_code, u.name AS unit_name, pc.note, pc.added_by, pc.added_at,
       c.status AS status_in_target_year,
       c.status = 'drug_free' AS converted
FROM plan_commune pc
JOIN plan p USING (plan_id)
JOIN unit u ON u.unit_id = pc.unit_id
LEFT JOIN classification c ON c.unit_id = pc.unit_id AND c.year = p.target_year;
