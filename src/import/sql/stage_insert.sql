-- Template: the staged rows moved into {table}, in file order.
-- example: table=province_quota; columns=province_code, year
-- needs: import/sql/stage_create.sql, import/sql/stage_add_line.sql
INSERT INTO main.{table} ({columns}) SELECT {columns} FROM incoming ORDER BY _line
