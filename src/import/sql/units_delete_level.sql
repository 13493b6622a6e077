DELETE FROM admin_unit WHERE boundary_version_id = ? AND level = ?
