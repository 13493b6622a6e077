-- Every review period, newest first (the columns `Period` reads).
SELECT id, year, province_code, CAST(period_start AS VARCHAR), CAST(period_end AS VARCHAR), CAST(commune_deadline AS VARCHAR),
       CAST(province_deadline AS VARCHAR), CAST(ministry_deadline AS VARCHAR), state, version
FROM review_period
ORDER BY year DESC, province_code NULLS FIRST
