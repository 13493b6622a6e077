INSERT INTO key_route (name, route_scope, geometry, source_properties) VALUES (?, ?, ?, ?)
