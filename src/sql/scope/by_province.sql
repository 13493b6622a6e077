-- Template: the rows of {relation} whose province is in scope.
-- example: relation=SELECT '98' AS province_code
-- needs: sql/scope/create_scope_province.sql
SELECT * FROM ({relation}) x WHERE x.province_code IN (SELECT code FROM scope_province)
