-- Migration 9: real boundary files (issue 17).
--
-- * `admin_unit.derived`: a province (or, before the reform, district) unit the atlas built by
--   dissolving the version's communes on their province/district code, because the files carry
--   the province only as a property of each commune. An imported unit of that level takes
--   precedence: derived units exist only where none was imported.
-- * `import_log` records partial imports (`--skip-invalid`): outcome `partial` and how many rows
--   or features were left out. DuckDB cannot change a CHECK in place, so the table is rebuilt
--   with its rows (and the audit view that reads it).

ALTER TABLE admin_unit ADD COLUMN derived BOOLEAN DEFAULT false;
UPDATE admin_unit SET derived = false WHERE derived IS NULL;

DROP VIEW audit_log;
CREATE TABLE import_log_v9 (
    id             BIGINT PRIMARY KEY DEFAULT nextval('import_log_id_seq'),
    kind           VARCHAR NOT NULL,
    file_name      VARCHAR NOT NULL,
    sha256         VARCHAR NOT NULL,
    started_at     TIMESTAMP NOT NULL,
    finished_at    TIMESTAMP NOT NULL,
    rows_accepted  BIGINT NOT NULL,
    rows_skipped   BIGINT NOT NULL DEFAULT 0,   -- left out with --skip-invalid
    outcome        VARCHAR NOT NULL CHECK (outcome IN ('accepted', 'partial', 'rejected', 'failed')),
    error_summary  VARCHAR,                     -- the reasons (rejected, failed) or the skipped rows (partial)
    actor          VARCHAR NOT NULL
);
INSERT INTO import_log_v9 BY NAME SELECT * FROM import_log;
DROP TABLE import_log;
ALTER TABLE import_log_v9 RENAME TO import_log;

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
