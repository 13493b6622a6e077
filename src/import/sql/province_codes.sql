-- Every province code any stored unit belongs to.
SELECT DISTINCT province_code FROM admin_unit WHERE province_code IS NOT NULL
