-- An indicator file in Parquet, read by DuckDB (its values are then checked like CSV fields).
SELECT * FROM read_parquet(?)
