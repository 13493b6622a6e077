INSERT INTO plan (name, province_code, target_year, quota, created_by, updated_by)
VALUES (?, ?, ?, ?, ?, ?)
RETURNING plan_id
