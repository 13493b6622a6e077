-- Template: every indicator row with its numeric columns ({numeric}: `CAST(col AS DOUBLE)`, …,
-- in the order of facts::numeric_columns()).
-- example: numeric=CAST(resident_population AS DOUBLE)
SELECT unit_id, year, reported_key_type, key_route_scope, data_quality, {numeric} FROM indicator
