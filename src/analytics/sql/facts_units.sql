-- Every commune of every boundary version, as classification needs it.
SELECT unit_id, boundary_version_id, code, province_code FROM admin_unit WHERE level = 'commune'
