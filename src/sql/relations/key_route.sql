-- Key complex drug routes (GeoJSON lines); a scoped user sees only the stretches in their communes.
SELECT route_id, name, route_scope, geometry FROM key_route
