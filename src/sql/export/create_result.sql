-- Template: a table shaped like a query result (columns c0, c1 … with the result's types), in a
-- throw-away in-memory database, to write the result as Parquet with its types.
-- example: columns=c0 DECIMAL(18,3), c1 VARCHAR
CREATE TABLE result ({columns})
