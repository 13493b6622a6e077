-- Template: the result table with its columns named as the query named them.
-- example: columns=c0 AS "a"
-- needs: sql/export/create_result.sql
SELECT {columns} FROM result
