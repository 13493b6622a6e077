SELECT route_id, name, route_scope, geometry FROM key_route ORDER BY route_id
