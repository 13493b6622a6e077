SELECT count(*) FROM admin_unit WHERE province_code = ?
