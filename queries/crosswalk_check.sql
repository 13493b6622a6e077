-- title_vi: Kiểm tra bảng chuyển đổi (bảo toàn số liệu)
-- title_en: Crosswalk check (counts conserved)
-- description: Per old boundary version → new version: links, old units, the largest deviation of population/area weights from summing to 1, and the old population carried through the weights against the new units' population.
WITH per_old AS (
    SELECT old_version, new_version, old_code, sum(weight_population) AS wp, sum(weight_area) AS wa, count(*) AS links
    FROM crosswalk GROUP BY ALL
),
carried AS (
    SELECT x.old_version, x.new_version, sum(i.resident_population * x.weight_population) AS carried_population
    FROM crosswalk x
    JOIN indicator i ON i.unit_code = x.old_code AND i.boundary_version = x.old_version
    WHERE i.year = (SELECT max(year) FROM indicator WHERE boundary_version = x.old_version)
    GROUP BY ALL
)
SELECT p.old_version, p.new_version, sum(p.links) AS links, count(*) AS old_units,
       max(abs(p.wp - 1)) AS max_population_weight_error, max(abs(p.wa - 1)) AS max_area_weight_error,
       any_value(c.carried_population) AS old_population_through_weights
FROM per_old p LEFT JOIN carried c USING (old_version, new_version)
GROUP BY ALL;
