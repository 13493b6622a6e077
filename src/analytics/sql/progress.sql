-- Province progress by year (one province, or every province when NULL).
SELECT * FROM province_progress WHERE $p IS NULL OR province_code = $p ORDER BY province_code, year
