-- How many rows the main tables hold, for `info` and /api/health.
SELECT (SELECT count(*) FROM admin_unit)        AS units,
       (SELECT count(*) FROM unit_crosswalk)    AS crosswalk_rows,
       (SELECT count(*) FROM recognition_event) AS recognition_events,
       (SELECT count(*) FROM quota_assignment)  AS quota_assignments,
       (SELECT count(*) FROM province_quota)    AS province_quotas,
       (SELECT count(*) FROM import_log)        AS imports
