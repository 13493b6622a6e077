-- The units one level of a boundary version already holds, by code (ids are kept on --replace).
SELECT code, unit_id FROM admin_unit WHERE boundary_version_id = ? AND level = ?
