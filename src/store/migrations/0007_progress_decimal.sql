-- Migration 7: the drug-free share in `province_progress` is an exact decimal with two places
-- (DECIMAL(5,2): 12.35 is 12.35, not the nearest binary fraction), as reports print it and
-- spreadsheets sum it. The view of migration 3 stays underneath, renamed; nothing else changes.
ALTER VIEW province_progress RENAME TO province_progress_v3;

CREATE VIEW province_progress AS
SELECT * REPLACE (CAST(drug_free_pct AS DECIMAL(5,2)) AS drug_free_pct)
FROM province_progress_v3;
