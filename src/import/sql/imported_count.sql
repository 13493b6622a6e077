-- How many units of one level of a boundary version were imported (not derived).
SELECT count(*) FROM admin_unit WHERE boundary_version_id = ? AND level = ? AND NOT derived
