-- Template: a query written as one JSON array of row objects.
-- example: query=SELECT * FROM boundary_version; path='/dev/null'
COPY ({query}) TO {path} (FORMAT json, ARRAY true)
