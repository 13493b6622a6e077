SELECT province_code FROM admin_unit WHERE unit_id = ? AND level = 'commune'
