-- SQLite (GeoPackage): a layer's spatial reference — authority, code and WKT definition.
SELECT organization, organization_coordsys_id, definition
FROM gpkg_spatial_ref_sys
WHERE srs_id = ?1
