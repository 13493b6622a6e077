-- Each key route's geometry cut to the user's communes (GeoJSON, EPSG:4326).
CREATE OR REPLACE TEMP TABLE scope_route (route_id BIGINT, geometry VARCHAR)
