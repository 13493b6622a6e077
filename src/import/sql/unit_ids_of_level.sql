-- The units one level of a boundary version already holds (imported, not derived), by code, with
-- their province (ids are kept on --replace; a file replaces the provinces it covers).
SELECT code, unit_id, province_code FROM admin_unit WHERE boundary_version_id = ? AND level = ? AND NOT derived
