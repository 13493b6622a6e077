-- Template: a query written as CSV with a header row.
-- example: query=SELECT * FROM boundary_version; path='/dev/null'
COPY ({query}) TO {path} (FORMAT csv, HEADER)
