-- title_vi: Địa bàn trọng điểm loại I/II ba năm liên tiếp
-- title_en: Persistent hotspots (key type I or II three years running)
-- description: Communes whose key type (official where reported, else computed) was I or II in each of the three years up to the given year.
-- param: year INTEGER 2024 last of the three years
SELECT unit_code, unit_name, province_name,
       string_agg(year || ':' || coalesce(official_key_type, key_type), ', ' ORDER BY year) AS key_types
FROM classification
WHERE year BETWEEN $year - 2 AND $year
  AND coalesce(official_key_type, key_type) IN ('I', 'II')
GROUP BY ALL
HAVING count(DISTINCT year) = 3
ORDER BY province_name, unit_code;
