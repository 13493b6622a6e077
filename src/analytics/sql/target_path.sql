-- Each province's whole target path (one province, or every province when NULL).
SELECT province_code, year, target_pct FROM target_path WHERE $p IS NULL OR province_code = $p ORDER BY province_code, year
