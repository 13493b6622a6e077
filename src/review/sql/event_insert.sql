-- One step of the review, for the audit log.
INSERT INTO review_event (period_id, submission_id, action, actor, done_at, version, before, after, comment)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
