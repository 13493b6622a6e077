-- title_vi: Số xã theo trạng thái, tỉnh và năm
-- title_en: Communes by map status, province and year
-- description: How many communes of each province are drug-free (approved), meet the drug-free criteria awaiting approval, show no recorded activity, have drugs but are no key area, are key areas of type III, II or I, or are undetermined, per year.
-- param: from_year INTEGER 2019 first year
-- param: to_year INTEGER 2030 last year
SELECT province_code, province_name, year,
       count(*) FILTER (WHERE status = 'drug_free')           AS drug_free,
       count(*) FILTER (WHERE status = 'drug_free_candidate') AS drug_free_candidate,
       count(*) FILTER (WHERE status = 'no_activity')         AS no_activity,
       count(*) FILTER (WHERE status = 'non_key')             AS non_key,
       count(*) FILTER (WHERE status = 'type_iii')            AS type_iii,
       count(*) FILTER (WHERE status = 'type_ii')             AS type_ii,
       count(*) FILTER (WHERE status = 'type_i')              AS type_i,
       count(*) FILTER (WHERE status = 'undetermined')        AS undetermined,
       count(*)                                               AS communes
FROM classification
WHERE year BETWEEN $from_year AND $to_year
GROUP BY ALL
ORDER BY province_code, year;
