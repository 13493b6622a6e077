-- The units (a list of ids) a boundary file replaces.
DELETE FROM admin_unit WHERE list_contains(?::BIGINT[], unit_id)
