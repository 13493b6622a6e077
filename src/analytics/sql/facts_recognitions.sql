-- Official acts in the order they apply: per unit and year, a revocation after what it revokes.
SELECT unit_id, year_covered, status_type, action, value
FROM recognition_event
ORDER BY unit_id, year_covered, CASE action WHEN 'revoke' THEN 1 ELSE 0 END
