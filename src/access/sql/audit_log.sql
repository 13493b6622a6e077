-- The audit timeline (logins, user changes, SQL, exports, imports, plan changes), newest first,
-- optionally for one action and/or one actor.
SELECT *
FROM audit_log
WHERE ($action IS NULL OR action = $action) AND ($actor IS NULL OR actor = $actor)
ORDER BY event_at DESC
