-- title_vi: Ma trận chuyển đổi trạng thái giữa hai năm
-- title_en: Status transition matrix between two years
-- description: For communes classified in both years (same boundary version), how many moved from each status to each other. Across the 2025 reform use the `conversion` relation instead.
-- param: from_year INTEGER 2023 earlier year
-- param: to_year INTEGER 2024 later year
SELECT a.status AS from_status, b.status AS to_status, count(*) AS communes
FROM classification a
JOIN classification b ON b.unit_id = a.unit_id
WHERE a.year = $from_year AND b.year = $to_year
GROUP BY ALL
ORDER BY ALL;
