-- The review period of a year whose lists for the province were approved in the atlas, if any.
SELECT max(d.period_id)
FROM review_decision d
JOIN review_period p ON p.id = d.period_id
WHERE p.year = ? AND d.province_code = ? AND d.kind = 'approval'
HAVING count(*) > 0
