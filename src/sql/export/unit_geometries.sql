SELECT unit_id, geometry FROM admin_unit
