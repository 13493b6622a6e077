-- commune-atlas core schema (migration 1).
--
-- The tables an analyst reads: boundary versions and their units, the crosswalk across the
-- 1 July 2025 reform, per-commune-per-year indicators (domain.md §5.2), official recognition
-- events, quotas, and the import log. Ranges and enums are enforced here as well as in the
-- importer, so a store can never hold a value the importer would have refused.

-- Facts about the store itself, e.g. dataset = 'synthetic-demo'.
CREATE TABLE atlas_meta (
    key    VARCHAR PRIMARY KEY,
    value  VARCHAR NOT NULL
);

-- A set of boundaries valid over a period, e.g. 'vn2025' valid from 2025-07-01.
CREATE SEQUENCE boundary_version_id_seq START 1;
CREATE TABLE boundary_version (
    id           INTEGER PRIMARY KEY DEFAULT nextval('boundary_version_id_seq'),
    name         VARCHAR NOT NULL UNIQUE,
    valid_from   DATE NOT NULL,
    valid_to     DATE,                      -- NULL: still valid
    code_system  VARCHAR NOT NULL CHECK (code_system IN ('QD124_2004', 'QD19_2025', 'synthetic', 'other')),
    source       VARCHAR,
    -- Degrees within which neighbours' vertices and edges are snapped together when the tile
    -- engine builds shared arcs (0: the boundaries are already topologically exact).
    snap_tolerance DOUBLE NOT NULL DEFAULT 0 CHECK (snap_tolerance >= 0 AND snap_tolerance < 0.01),
    imported_at  TIMESTAMP NOT NULL DEFAULT current_timestamp,
    CHECK (valid_to IS NULL OR valid_to >= valid_from)
);

-- One row per administrative unit per boundary version (province, district or commune).
-- unit_id is stable and numeric (it is the vector-tile feature id): version id × 1,000,000 + ordinal.
CREATE TABLE admin_unit (
    unit_id              BIGINT PRIMARY KEY,
    boundary_version_id  INTEGER NOT NULL,
    code                 VARCHAR NOT NULL,  -- GSO code as published (2-digit province, 5-digit commune)
    code_system          VARCHAR NOT NULL,
    name                 VARCHAR NOT NULL,  -- Vietnamese name with its prefix, e.g. 'Xã Tân Phú Đông'
    unit_type            VARCHAR NOT NULL CHECK (unit_type IN (
                             'tinh', 'thanh_pho_tw',                      -- province level
                             'huyen', 'quan', 'thi_xa', 'thanh_pho',      -- district level (before 2025-07-01)
                             'xa', 'phuong', 'thi_tran', 'dac_khu')),     -- commune level
    level                VARCHAR NOT NULL CHECK (level IN ('province', 'district', 'commune')),
    province_code        VARCHAR,
    province_name        VARCHAR,
    district_code        VARCHAR,           -- NULL after the 2025 reform
    district_name        VARCHAR,
    geometry             VARCHAR NOT NULL,  -- GeoJSON Polygon/MultiPolygon, EPSG:4326, RFC 7946 winding
    min_lon              DOUBLE NOT NULL,
    min_lat              DOUBLE NOT NULL,
    max_lon              DOUBLE NOT NULL,
    max_lat              DOUBLE NOT NULL,
    area_km2             DOUBLE NOT NULL CHECK (area_km2 >= 0),  -- geodesic area on WGS84
    label_lon            DOUBLE NOT NULL,   -- a point inside the unit, for labels and markers
    label_lat            DOUBLE NOT NULL,
    part_count           INTEGER NOT NULL,
    vertex_count         INTEGER NOT NULL,
    repaired             BOOLEAN NOT NULL DEFAULT false,  -- geometry was repaired at import (--repair)
    source_properties    VARCHAR,           -- the feature's original properties, JSON text
    UNIQUE (boundary_version_id, level, code)
);

-- Old unit → new unit across a boundary change (domain.md §4.3). Weights say which share of the
-- old unit's population / area went to the new unit; per old unit they sum to 1 when given.
CREATE TABLE unit_crosswalk (
    old_unit_id        BIGINT NOT NULL,
    new_unit_id        BIGINT NOT NULL,
    effective_date     DATE NOT NULL,
    relation           VARCHAR NOT NULL CHECK (relation IN ('full', 'partial', 'merge', 'split', 'rename', 'unchanged')),
    weight_population  DOUBLE CHECK (weight_population BETWEEN 0 AND 1),
    weight_area        DOUBLE CHECK (weight_area BETWEEN 0 AND 1),
    weight_source      VARCHAR,
    resolution_ref     VARCHAR,
    PRIMARY KEY (old_unit_id, new_unit_id)
);

-- One row per commune per year (domain.md §5.2), on the boundary version valid at reference_date.
CREATE TABLE indicator (
    unit_id                        BIGINT NOT NULL,
    year                           SMALLINT NOT NULL CHECK (year BETWEEN 2000 AND 2035),
    reference_date                 DATE NOT NULL,
    period_start                   DATE NOT NULL,
    period_end                     DATE NOT NULL,
    resident_population            INTEGER NOT NULL CHECK (resident_population >= 1),
    addicts_with_records           INTEGER NOT NULL CHECK (addicts_with_records >= 0),
    illegal_users_with_records     INTEGER NOT NULL CHECK (illegal_users_with_records >= 0),
    addicts_in_community           INTEGER CHECK (addicts_in_community >= 0),
    addicts_in_compulsory_rehab    INTEGER CHECK (addicts_in_compulsory_rehab >= 0),
    addicts_in_voluntary_facility  INTEGER CHECK (addicts_in_voluntary_facility >= 0),
    addicts_in_community_rehab     INTEGER CHECK (addicts_in_community_rehab >= 0),
    addicts_in_detention           INTEGER CHECK (addicts_in_detention >= 0),
    methadone_patients             INTEGER CHECK (methadone_patients >= 0),
    users_in_community             INTEGER CHECK (users_in_community >= 0),
    users_in_detention             INTEGER CHECK (users_in_detention >= 0),
    post_rehab_managed             INTEGER CHECK (post_rehab_managed >= 0),
    new_addicts_in_period          INTEGER CHECK (new_addicts_in_period >= 0),
    new_users_in_period            INTEGER CHECK (new_users_in_period >= 0),
    no_fixed_residence             INTEGER CHECK (no_fixed_residence >= 0),
    psychosis_signs                INTEGER CHECK (psychosis_signs >= 0),
    drug_use_locations             INTEGER NOT NULL CHECK (drug_use_locations >= 0),
    drug_hotspots_legacy           INTEGER CHECK (drug_hotspots_legacy >= 0),
    drug_offenders_arrested        INTEGER NOT NULL CHECK (drug_offenders_arrested >= 0),
    drug_cases_detected            INTEGER CHECK (drug_cases_detected >= 0),
    art256a_cases                  INTEGER CHECK (art256a_cases >= 0),
    plants_destroyed_count         INTEGER NOT NULL CHECK (plants_destroyed_count >= 0),
    plants_destroyed_area_m2       DOUBLE NOT NULL CHECK (plants_destroyed_area_m2 >= 0),
    plant_cases                    INTEGER CHECK (plant_cases >= 0),
    key_route_scope                VARCHAR NOT NULL CHECK (key_route_scope IN
                                       ('none', 'intra_provincial', 'inter_provincial', 'transnational', 'unknown')),
    propaganda_sessions            INTEGER CHECK (propaganda_sessions >= 0),
    propaganda_reach_persons       INTEGER CHECK (propaganda_reach_persons >= 0),
    staff_trained                  INTEGER CHECK (staff_trained >= 0),
    vocational_training_persons    INTEGER CHECK (vocational_training_persons >= 0),
    jobs_supported                 INTEGER CHECK (jobs_supported >= 0),
    reported_key_type              VARCHAR CHECK (reported_key_type IN ('I', 'II', 'III', 'non_key_with_drugs', 'none')),
    reported_addict_rate_pct       DOUBLE CHECK (reported_addict_rate_pct BETWEEN 0 AND 100),
    legal_regime                   VARCHAR CHECK (legal_regime IN ('pre_256a', 'post_256a')),
    source_ref                     VARCHAR NOT NULL,
    source_url                     VARCHAR,
    data_quality                   VARCHAR NOT NULL DEFAULT 'official'
                                       CHECK (data_quality IN ('official', 'press', 'estimate', 'apportioned')),
    PRIMARY KEY (unit_id, year),
    CHECK (period_end >= period_start)
);

-- Official acts: recognition as drug-free, maintenance, revocation, official key-type classification.
CREATE SEQUENCE recognition_event_id_seq START 1;
CREATE TABLE recognition_event (
    event_id       BIGINT PRIMARY KEY DEFAULT nextval('recognition_event_id_seq'),
    unit_id        BIGINT NOT NULL,
    status_type    VARCHAR NOT NULL CHECK (status_type IN
                       ('khong_ma_tuy_2025', 'khong_co_te_nan_legacy', 'sach_ve_ma_tuy_provincial', 'key_type_official')),
    value          VARCHAR,            -- e.g. 'I' for key_type_official; NULL for recognitions
    year_covered   SMALLINT NOT NULL CHECK (year_covered BETWEEN 2000 AND 2035),
    decision_no    VARCHAR NOT NULL,
    decision_date  DATE NOT NULL,
    issuer         VARCHAR NOT NULL,
    action         VARCHAR NOT NULL CHECK (action IN ('recognize', 'maintain', 'revoke', 'classify')),
    source_url     VARCHAR,
    UNIQUE (unit_id, status_type, year_covered, action)
);

-- Communes named in a province's plan for a year (domain.md §5.1), or self-registered.
CREATE TABLE quota_assignment (
    unit_id           BIGINT NOT NULL,
    year              SMALLINT NOT NULL CHECK (year BETWEEN 2000 AND 2035),
    assigned_by_plan  VARCHAR,
    self_registered   BOOLEAN NOT NULL DEFAULT false,
    PRIMARY KEY (unit_id, year)
);

-- A province's registered yearly quota: how many communes it commits to make drug-free.
CREATE TABLE province_quota (
    province_code     VARCHAR NOT NULL,
    year              SMALLINT NOT NULL CHECK (year BETWEEN 2000 AND 2035),
    quota_count       INTEGER NOT NULL CHECK (quota_count >= 0),
    target_share_pct  DOUBLE CHECK (target_share_pct BETWEEN 0 AND 100),
    plan_ref          VARCHAR,
    PRIMARY KEY (province_code, year)
);

-- Every import attempt, accepted or not. A rejected import changes nothing but this log.
CREATE SEQUENCE import_log_id_seq START 1;
CREATE TABLE import_log (
    id             BIGINT PRIMARY KEY DEFAULT nextval('import_log_id_seq'),
    kind           VARCHAR NOT NULL,
    file_name      VARCHAR NOT NULL,
    sha256         VARCHAR NOT NULL,
    started_at     TIMESTAMP NOT NULL,
    finished_at    TIMESTAMP NOT NULL,
    rows_accepted  BIGINT NOT NULL,
    outcome        VARCHAR NOT NULL CHECK (outcome IN ('accepted', 'rejected', 'failed')),
    error_summary  VARCHAR,
    actor          VARCHAR NOT NULL
);
