-- Years with indicator rows and how many rows each has.
SELECT year, count(*) FROM indicator GROUP BY year ORDER BY year
