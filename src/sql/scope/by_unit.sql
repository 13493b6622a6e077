-- Template: the rows of {relation} whose unit is in scope.
-- example: relation=SELECT 1::BIGINT AS unit_id
-- needs: sql/scope/create_scope_unit.sql
SELECT * FROM ({relation}) x WHERE x.unit_id IN (SELECT unit_id FROM scope_unit)
