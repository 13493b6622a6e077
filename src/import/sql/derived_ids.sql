-- The ids the derived units of one level had, by code (kept when they are derived again).
SELECT code, unit_id FROM admin_unit WHERE boundary_version_id = ? AND level = ? AND derived
