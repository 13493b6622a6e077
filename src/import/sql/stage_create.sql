-- Template: the staging table `incoming`, shaped like {columns} of {table}.
-- example: table=province_quota; columns=province_code, year
CREATE OR REPLACE TEMP TABLE incoming AS SELECT {columns} FROM main.{table} LIMIT 0
