-- Migration 7: the drug-free share in `province_progress` is an exact decimal with two places
-- (DECIMAL(5,2): 12.35 is 12.35, not the nearest binary fraction), as reports print it and
-- spreadsheets sum it. Everything else in the view is unchanged.

-- Per province and year: communes, drug-free share against the target path, quotas.
CREATE OR REPLACE VIEW province_progress AS
WITH units AS (
    SELECT u.unit_id, u.province_code, u.province_name, v.id AS version_id, v.name AS boundary_version,
           v.valid_from, v.valid_to
    FROM admin_unit u JOIN boundary_version v ON v.id = u.boundary_version_id
    WHERE u.level = 'commune'
),
years AS (SELECT DISTINCT year FROM classification),
-- The boundary version valid at the end of each year: latest valid_from on or before 31 December.
year_version AS (
    SELECT y.year, max_by(v.id, v.valid_from) AS version_id
    FROM years y JOIN boundary_version v
      ON v.valid_from <= make_date(y.year, 12, 31) AND (v.valid_to IS NULL OR v.valid_to >= make_date(y.year, 12, 31))
    GROUP BY y.year
),
per_unit AS (
    SELECT yv.year, u.*, c.status
    FROM year_version yv
    JOIN units u ON u.version_id = yv.version_id
    LEFT JOIN classification c ON c.unit_id = u.unit_id AND c.year = yv.year
),
quota AS (
    SELECT u.province_code, q.year, count(*) AS assigned,
           count(*) FILTER (WHERE c.status = 'drug_free') AS assigned_recognised
    FROM quota_assignment q JOIN units u USING (unit_id)
    LEFT JOIN classification c ON c.unit_id = q.unit_id AND c.year = q.year
    WHERE NOT q.self_registered
    GROUP BY ALL
)
SELECT p.boundary_version, p.province_code, any_value(p.province_name) AS province_name, p.year,
       count(*) AS communes,
       count(*) FILTER (WHERE p.status = 'drug_free') AS drug_free,
       CAST(100.0 * count(*) FILTER (WHERE p.status = 'drug_free') / count(*) AS DECIMAL(5,2)) AS drug_free_pct,
       count(*) FILTER (WHERE p.status = 'hotspot') AS hotspot,
       count(*) FILTER (WHERE p.status = 'at_risk') AS at_risk,
       count(*) FILTER (WHERE p.status = 'undetermined') AS undetermined,
       count(*) FILTER (WHERE p.status IS NULL OR p.status = 'no_data') AS no_data,
       any_value(t.target_pct) AS target_pct,
       ceil(any_value(t.target_pct) * count(*) / 100.0)::INTEGER AS target_communes,
       100.0 * count(*) FILTER (WHERE p.status = 'drug_free') / count(*) >= any_value(t.target_pct) AS on_track,
       any_value(pq.quota_count) AS quota_count,
       any_value(q.assigned) AS quota_assigned,
       any_value(q.assigned_recognised) AS quota_recognised
FROM per_unit p
LEFT JOIN target_path t ON t.province_code = p.province_code AND t.year = p.year
LEFT JOIN province_quota pq ON pq.province_code = p.province_code AND pq.year = p.year
LEFT JOIN quota q ON q.province_code = p.province_code AND q.year = p.year
GROUP BY p.boundary_version, p.province_code, p.year;
