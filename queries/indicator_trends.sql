-- title_vi: Xu hướng các chỉ số theo tỉnh
-- title_en: Indicator trends per province
-- description: Addicts, users, locations and arrests per province and year, with the rates recomputed on the summed population.
SELECT province_code, province_name, year,
       sum(resident_population) AS population,
       sum(addicts_with_records) AS addicts,
       sum(illegal_users_with_records) AS users,
       round(100.0 * (sum(addicts_with_records) + sum(illegal_users_with_records)) / sum(resident_population), 4) AS addict_user_rate_pct,
       sum(drug_use_locations) AS locations,
       sum(drug_offenders_arrested) AS arrested,
       round(100.0 * sum(drug_offenders_arrested) / sum(resident_population), 4) AS arrest_rate_pct
FROM indicator
GROUP BY ALL
ORDER BY province_code, year;
