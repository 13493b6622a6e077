-- Template: the key routes of {relation} with a stretch in scope, their geometry cut to it.
-- example: relation=SELECT route_id, name, route_scope, geometry FROM key_route
-- needs: sql/scope/create_scope_route.sql
SELECT x.* REPLACE (s.geometry AS geometry) FROM ({relation}) x JOIN scope_route s USING (route_id)
