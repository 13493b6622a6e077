-- The derived units of one level of a boundary version (rebuilt after each boundary import, or
-- removed when that level is imported).
DELETE FROM admin_unit WHERE boundary_version_id = ? AND level = ? AND derived
