-- Template: staged rows whose key ({on}: `t.k = i.k AND …`) already exists in {table}.
-- example: table=province_quota; on=t.province_code = i.province_code AND t.year = i.year
-- needs: import/sql/stage_create.sql, import/sql/stage_add_line.sql
SELECT count(*), min(i._line) FROM incoming i JOIN main.{table} t ON {on}
