-- Template: with --replace, the existing rows the staged ones replace.
-- example: table=province_quota; on=t.province_code = i.province_code AND t.year = i.year
-- needs: import/sql/stage_create.sql, import/sql/stage_add_line.sql
DELETE FROM main.{table} t USING incoming i WHERE {on}
