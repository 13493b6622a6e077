-- Template: a query written as Parquet (zstd), DuckDB's own column types kept.
-- example: query=SELECT * FROM boundary_version; path='/dev/null'
COPY ({query}) TO {path} (FORMAT parquet, COMPRESSION zstd)
