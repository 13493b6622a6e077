-- SQLite (GeoPackage): the feature layers with their geometry column and spatial reference.
SELECT c.table_name, g.column_name, g.srs_id
FROM gpkg_contents c
JOIN gpkg_geometry_columns g USING (table_name)
WHERE c.data_type = 'features'
ORDER BY c.table_name
