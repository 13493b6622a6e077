-- Plans of one province (or every province when NULL), newest first.
SELECT plan_id FROM plan WHERE ?1 IS NULL OR province_code = ?1 ORDER BY plan_id DESC
