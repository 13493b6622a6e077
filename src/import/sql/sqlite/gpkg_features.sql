-- SQLite (GeoPackage): every row of one feature layer (the table name quoted by the caller).
-- example: table="communes"
SELECT * FROM {table}
