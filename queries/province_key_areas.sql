-- title_vi: Tỉnh là địa bàn trọng điểm phức tạp về ma túy (Điều 5 QĐ 28/2025)
-- title_en: Provinces that are key complex drug areas (Decision 28/2025 Art. 5)
-- description: Per province and year, the six criteria of Art. 5 (rate ≥ 0.2 %, ≥ 5 locations, arrest rate ≥ 0.05 %, type I+II communes ≥ 3 %, ≥ 8,000 plants or ≥ 2,000 m², inter-provincial route): how many are certainly met and how many may be, and whether the province is a key area (true, false, unknown).
-- param: year INTEGER 2026 the year
SELECT province_code, province_name, year, key_area, met_min, met_max, min_criteria, reason_codes,
       communes, communes_with_data,
       round(100.0 * addicts_and_users / nullif(resident_population, 0), 3) AS addict_user_rate_pct,
       drug_use_locations,
       round(100.0 * drug_offenders_arrested / nullif(resident_population, 0), 3) AS arrest_rate_pct,
       round(100.0 * type_i_ii_communes / communes, 2) AS type_i_ii_pct,
       plants_destroyed_count, plants_destroyed_area_m2, route_scope
FROM province_classification
WHERE year = $year
ORDER BY key_area DESC, met_min DESC, province_code;
