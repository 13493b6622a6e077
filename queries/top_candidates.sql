-- title_vi: Xã đề xuất chuyển hóa (phiên bản SQL)
-- title_en: Top conversion candidates (SQL version)
-- description: Communes not drug-free in the year, closest to the type I thresholds (rate 0.5 %, 2 locations, arrests 0.1 %). The map's Plans view ranks with more components (trend, neighbours); this is the transparent SQL core of it.
-- param: year INTEGER 2025 year of the indicators
-- param: province VARCHAR 99 province code
SELECT i.unit_code, i.unit_name, c.status,
       round(i.addict_user_rate_pct, 4) AS addict_user_rate_pct, i.drug_use_locations, round(i.arrest_rate_pct, 4) AS arrest_rate_pct,
       round(100 * (3 * greatest(0, 1 - i.addict_user_rate_pct / 0.5)
                  + 2 * greatest(0, 1 - i.drug_use_locations / 2.0)
                  + 1.5 * greatest(0, 1 - i.arrest_rate_pct / 0.1)) / 6.5, 1) AS score
FROM indicator i
JOIN classification c ON c.unit_id = i.unit_id AND c.year = i.year
WHERE i.year = $year AND i.province_code = $province AND c.status <> 'drug_free'
ORDER BY score DESC, i.unit_code
LIMIT 50;
