-- Commune-years whose figures are under review in the atlas (submitted, not yet accepted or
-- returned): an import must not overwrite them.
SELECT s.unit_id, p.year
FROM review_submission s
JOIN review_period p ON p.id = s.period_id
WHERE s.state = 'submitted'
