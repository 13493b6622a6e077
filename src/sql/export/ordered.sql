-- Template: a relation in a fixed order, so exports are reproducible.
-- example: query=SELECT * FROM unit; order=unit_id
SELECT * FROM ({query}) x ORDER BY {order}
