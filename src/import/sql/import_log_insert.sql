-- One import attempt: accepted or partial (in the import's own transaction), rejected or failed.
INSERT INTO import_log (kind, file_name, sha256, started_at, finished_at, rows_accepted, rows_skipped, outcome, error_summary, actor)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
