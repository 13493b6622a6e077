-- A commune's code and province (a review submission is written as an indicator row by code).
SELECT code, province_code FROM admin_unit WHERE unit_id = ? AND level = 'commune'
