-- Conversion plans (their communes are in plan_commune).
SELECT plan_id, name, province_code, target_year, quota, status, version, created_by, created_at, updated_by, updated_at
FROM plan
