-- The communes of each conversion plan, with notes and outcome.
SELECT * FROM plan_commune_v
