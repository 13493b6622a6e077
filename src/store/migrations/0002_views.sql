-- Reader-friendly views (migration 2). Analysts should start here rather than at the raw tables.

-- Units without their geometry, with the boundary version spelled out.
CREATE VIEW unit AS
SELECT u.unit_id, v.name AS boundary_version, v.valid_from, v.valid_to,
       u.code, u.code_system, u.name, u.unit_type, u.level,
       u.province_code, u.province_name, u.district_code, u.district_name,
       u.area_km2, u.label_lon, u.label_lat,
       u.min_lon, u.min_lat, u.max_lon, u.max_lat, u.part_count, u.vertex_count, u.repaired
FROM admin_unit u
JOIN boundary_version v ON v.id = u.boundary_version_id;

-- Indicators with the commune's identity and the rates Decision 28/2025 uses (domain.md §5.3).
CREATE VIEW indicator_v AS
SELECT u.boundary_version, u.code AS unit_code, u.name AS unit_name, u.unit_type,
       u.province_code, u.province_name, u.district_code, u.district_name,
       i.*,
       100.0 * (i.addicts_with_records + i.illegal_users_with_records) / i.resident_population
           AS addict_user_rate_pct,
       100.0 * i.drug_offenders_arrested / i.resident_population AS arrest_rate_pct
FROM indicator i
JOIN unit u USING (unit_id);

-- The crosswalk with both ends named.
CREATE VIEW crosswalk_v AS
SELECT o.boundary_version AS old_version, o.code AS old_code, o.name AS old_name,
       o.province_code AS old_province_code,
       n.boundary_version AS new_version, n.code AS new_code, n.name AS new_name,
       n.province_code AS new_province_code,
       c.effective_date, c.relation, c.weight_population, c.weight_area, c.weight_source, c.resolution_ref
FROM unit_crosswalk c
JOIN unit o ON o.unit_id = c.old_unit_id
JOIN unit n ON n.unit_id = c.new_unit_id;

-- Recognition events with the commune named.
CREATE VIEW recognition_event_v AS
SELECT u.boundary_version, u.code AS unit_code, u.name AS unit_name, u.province_code, u.province_name, r.*
FROM recognition_event r
JOIN unit u USING (unit_id);

-- What each boundary version holds.
CREATE VIEW boundary_version_summary AS
SELECT v.id, v.name, v.valid_from, v.valid_to, v.code_system, v.source, v.snap_tolerance, v.imported_at,
       count(u.unit_id) FILTER (WHERE u.level = 'province') AS provinces,
       count(u.unit_id) FILTER (WHERE u.level = 'district') AS districts,
       count(u.unit_id) FILTER (WHERE u.level = 'commune')  AS communes
FROM boundary_version v
LEFT JOIN admin_unit u ON u.boundary_version_id = v.id
GROUP BY ALL;
