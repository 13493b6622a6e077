-- Template: units as GeoParquet 1.0 — the unit columns plus `geometry` as WKB from `unit_wkb`, and
-- the `geo` file metadata (CRS84).
-- example: query=SELECT * FROM unit; path='/dev/null'; geo_metadata='{}'
-- needs: sql/export/create_unit_wkb.sql
COPY (SELECT u.*, w.geometry FROM ({query}) u JOIN unit_wkb w USING (unit_id) ORDER BY u.unit_id)
TO {path} (FORMAT parquet, COMPRESSION zstd, KV_METADATA {geo: {geo_metadata}})
