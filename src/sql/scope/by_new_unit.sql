-- Template: crosswalk rows of {relation} whose new unit (version, code) is in scope.
-- example: relation=SELECT * FROM crosswalk_v
-- needs: sql/scope/create_scope_unit.sql
SELECT * FROM ({relation}) x
WHERE EXISTS (SELECT 1 FROM scope_unit s JOIN unit u USING (unit_id)
              WHERE u.boundary_version = x.new_version AND u.code = x.new_code)
