-- Each unit's geometry as WKB, filled from the stored GeoJSON for a GeoParquet export.
CREATE OR REPLACE TEMP TABLE unit_wkb (unit_id BIGINT, geometry BLOB)
