-- Access control (migration 6): users with a role and a province scope, their API tokens, and
-- the audit log of everything that reads or changes sensitive data.
--
-- Roles, each including the ones before it:
--   viewer  — maps and dashboards;
--   leader  — plus candidates and conversion plans;
--   analyst — plus the SQL console, saved queries and exports;
--   admin   — plus imports, users and the audit log.
-- Scope: '*' for every province, else a comma-separated list of province codes
-- (e.g. '98,99'); the service widens it along the crosswalk to the pre-reform units that became
-- those provinces (src/access/scope.rs).

CREATE SEQUENCE atlas_user_id_seq START 1;
CREATE TABLE atlas_user (
    user_id     INTEGER PRIMARY KEY DEFAULT nextval('atlas_user_id_seq'),
    name        VARCHAR NOT NULL UNIQUE CHECK (regexp_full_match(name, '[A-Za-z0-9._@-]{1,64}')),
    role        VARCHAR NOT NULL CHECK (role IN ('viewer', 'leader', 'analyst', 'admin')),
    scope       VARCHAR NOT NULL CHECK (scope = '*' OR regexp_full_match(scope, '[A-Za-z0-9]+(,[A-Za-z0-9]+)*')),
    disabled    BOOLEAN NOT NULL DEFAULT false,
    created_by  VARCHAR NOT NULL,
    created_at  TIMESTAMP NOT NULL DEFAULT current_timestamp
);

-- A token is shown once when issued: `cat_<token_id>_<secret>`. Only the argon2id hash of the
-- secret is kept; `token_id` finds the row without revealing anything.
CREATE TABLE atlas_token (
    token_id    VARCHAR PRIMARY KEY,
    user_id     INTEGER NOT NULL,
    secret_hash VARCHAR NOT NULL,
    created_at  TIMESTAMP NOT NULL DEFAULT current_timestamp,
    revoked_at  TIMESTAMP
);

-- Logins, user changes and SQL statements. Imports and plan changes keep their own detailed
-- logs (import_log, plan_audit); the view `audit_log` below shows all of them in one timeline.
CREATE SEQUENCE audit_event_id_seq START 1;
CREATE TABLE audit_event (
    event_id    BIGINT PRIMARY KEY DEFAULT nextval('audit_event_id_seq'),
    event_at    TIMESTAMP NOT NULL DEFAULT current_timestamp,
    actor       VARCHAR NOT NULL,
    action      VARCHAR NOT NULL,   -- login, login_failed, logout, user_add, user_disable, token_issue, sql
    target      VARCHAR,            -- the user changed, the saved query run …
    outcome     VARCHAR NOT NULL,   -- ok, refused, error
    detail      VARCHAR,            -- SQL text, error message …
    duration_ms DOUBLE,
    rows        BIGINT
);

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
FROM plan_audit;
