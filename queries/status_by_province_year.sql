-- title_vi: Số xã theo trạng thái, tỉnh và năm
-- title_en: Communes by map status, province and year
-- description: How many communes of each province are drug-free, at risk, hotspots, undetermined or without data, per year.
-- param: from_year INTEGER 2019 first year
-- param: to_year INTEGER 2030 last year
SELECT province_code, province_name, year,
       count(*) FILTER (WHERE status = 'drug_free')    AS drug_free,
       count(*) FILTER (WHERE status = 'no_activity')  AS no_activity,
       count(*) FILTER (WHERE status = 'at_risk')      AS at_risk,
       count(*) FILTER (WHERE status = 'hotspot')      AS hotspot,
       count(*) FILTER (WHERE status = 'undetermined') AS undetermined,
       count(*)                                        AS communes
FROM classification
WHERE year BETWEEN $from_year AND $to_year
GROUP BY ALL
ORDER BY province_code, year;
