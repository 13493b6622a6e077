SELECT plan_id, name, province_code, target_year, quota, status, version, created_by, updated_by
FROM plan
WHERE plan_id = ?
