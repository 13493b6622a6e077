-- title_vi: Tiến độ so với mục tiêu
-- title_en: Progress against targets
-- description: Drug-free share per province and year against the target path (≥ 20 % in 2025, ≥ 50 % by 2030), with quotas.
SELECT province_code, province_name, year, communes, drug_free, drug_free_pct, target_pct, on_track,
       quota_count, quota_assigned, quota_recognised
FROM province_progress
ORDER BY province_code, year;
