-- Key complex drug routes (migration 4): designated by the authorities, not bound to
-- administrative boundaries (domain.md §1.2). Drawn as a tile layer.
CREATE SEQUENCE key_route_id_seq START 1;
CREATE TABLE key_route (
    route_id           BIGINT PRIMARY KEY DEFAULT nextval('key_route_id_seq'),
    name               VARCHAR NOT NULL,
    route_scope        VARCHAR NOT NULL CHECK (route_scope IN
                           ('intra_provincial', 'inter_provincial', 'transnational', 'unknown')),
    geometry           VARCHAR NOT NULL,   -- GeoJSON LineString or MultiLineString, EPSG:4326
    source_properties  VARCHAR
);
