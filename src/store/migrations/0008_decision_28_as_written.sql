-- Migration 8: Decision 28/2025 as written (issue 16).
--
-- * `indicator` gains the inputs of the drug-free criteria (Art. 6): residents addicted to or using
--   drugs outside the exempt groups, residents who violated drug law in the area, wanted drug
--   fugitives hiding there. DuckDB cannot add a column with a CHECK, so the table is rebuilt with
--   its rows (the new columns NULL for them: Art. 6 unknown).
-- * The map status vocabulary: drug_free (approved), drug_free_candidate (meets Art. 6, awaiting
--   approval), no_activity, non_key (has drugs, not a key area), type_iii, type_ii, type_i,
--   undetermined, no_data. `classification` holds derived rows only: it is rebuilt empty and
--   refilled when the store is next opened (the rules digest is cleared), with the drug-free check
--   and the interpretation switches in force.
-- * Province-level key areas (Art. 5): `province_route` holds the route designations imported for
--   provinces, `province_classification` the computed result per province and year.

CREATE TABLE indicator_v8 (
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
    -- Art. 6 (drug-free area) inputs; NULL when a file does not carry them (Art. 6 then unknown).
    residents_using_not_exempt     INTEGER CHECK (residents_using_not_exempt >= 0
                                       AND residents_using_not_exempt <= addicts_with_records + illegal_users_with_records),
    residents_violating_drug_law   INTEGER CHECK (residents_violating_drug_law >= 0),
    wanted_drug_fugitives_hiding   INTEGER CHECK (wanted_drug_fugitives_hiding >= 0),
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
INSERT INTO indicator_v8 BY NAME SELECT * FROM indicator;
DROP TABLE indicator;
ALTER TABLE indicator_v8 RENAME TO indicator;

DROP TABLE classification;
CREATE TABLE classification (
    unit_id               BIGINT NOT NULL,
    year                  SMALLINT NOT NULL,
    ruleset_id            VARCHAR,            -- NULL when nothing could be evaluated
    status                VARCHAR NOT NULL CHECK (status IN
                              ('drug_free', 'drug_free_candidate', 'no_activity', 'non_key',
                               'type_iii', 'type_ii', 'type_i', 'undetermined', 'no_data')),
    status_basis          VARCHAR NOT NULL CHECK (status_basis IN ('recognition', 'official', 'computed', 'no_data')),
    drug_free_label       VARCHAR,            -- recognition status_type when drug_free
    legacy_label          BOOLEAN NOT NULL DEFAULT false,  -- drug-free under an older legal category
    key_type              VARCHAR,            -- I, II, III, none, undetermined (computed)
    possible              VARCHAR,            -- still-possible outcomes, e.g. 'II|III|none'
    official_key_type     VARCHAR,            -- as reported (indicator or key_type_official event)
    severity_min          SMALLINT,           -- domain.md §3: I=4, II=3, III=2, non-key=1, drug-free=0
    severity_max          SMALLINT,
    t1_met_min            SMALLINT, t1_met_max SMALLINT,   -- NULL max: unbounded (criteria unknown)
    t2_met_min            SMALLINT, t2_met_max SMALLINT,
    t3_met_min            SMALLINT, t3_met_max SMALLINT,
    addict_user_rate_pct  DOUBLE,
    arrest_rate_pct       DOUBLE,
    activity              BOOLEAN,            -- any drug activity recorded (NULL: not known)
    drug_free_check       VARCHAR CHECK (drug_free_check IN ('true', 'false', 'unknown')),  -- Art. 6 on the data; NULL: the rule set has none
    readings              VARCHAR,            -- interpretation switches in force, e.g. 'higher_type_counts,type_iii_requires_activity'
    decisive_readings     VARCHAR,            -- the switches whose opposite setting would change this result
    reason_codes          VARCHAR,            -- e.g. 'I.a,I.b,I.c true; I.dd unknown(route)'
    criteria              VARCHAR,            -- JSON: every criterion with its tri-state and comparison
    drug_free_criteria    VARCHAR,            -- JSON: the Art. 6 criteria, likewise
    review_flag           VARCHAR,            -- e.g. recognised drug-free while computed as a key area
    computed_at           TIMESTAMP NOT NULL,
    PRIMARY KEY (unit_id, year)
);

-- A province's designation on a key complex drug route (Art. 5.6), per year, as imported.
CREATE TABLE province_route (
    province_code  VARCHAR NOT NULL,
    year           SMALLINT NOT NULL CHECK (year BETWEEN 2000 AND 2035),
    route_scope    VARCHAR NOT NULL CHECK (route_scope IN
                       ('none', 'intra_provincial', 'inter_provincial', 'transnational', 'unknown')),
    source_ref     VARCHAR NOT NULL,
    PRIMARY KEY (province_code, year)
);

-- Art. 5 per province and year, recomputed with the classification.
CREATE TABLE province_classification (
    province_code         VARCHAR NOT NULL,
    year                  SMALLINT NOT NULL,
    boundary_version      VARCHAR NOT NULL,
    ruleset_id            VARCHAR NOT NULL,
    key_area              VARCHAR NOT NULL CHECK (key_area IN ('true', 'false', 'unknown')),
    met_min               SMALLINT NOT NULL,     -- criteria certainly met
    met_max               SMALLINT NOT NULL,     -- met or unknown
    min_criteria          SMALLINT NOT NULL,
    communes              INTEGER NOT NULL,
    communes_with_data    INTEGER NOT NULL,
    resident_population   BIGINT,                -- sums over the communes with figures
    addicts_and_users     BIGINT,
    drug_use_locations    BIGINT,
    drug_offenders_arrested BIGINT,
    plants_destroyed_count BIGINT,
    plants_destroyed_area_m2 DOUBLE,
    type_i_ii_communes    INTEGER,               -- certainly type I or II
    route_scope           VARCHAR,
    reason_codes          VARCHAR,
    criteria              VARCHAR,               -- JSON: P.1–P.6 with tri-state and comparison
    computed_at           TIMESTAMP NOT NULL,
    PRIMARY KEY (province_code, year)
);

-- Per province and year: communes by status, drug-free share (exact, DECIMAL(5,2)) against the
-- target path, quotas. Replaces the view of migrations 3 and 7.
DROP VIEW province_progress;
DROP VIEW province_progress_v3;
CREATE VIEW province_progress AS
WITH units AS (
    SELECT u.unit_id, u.province_code, u.province_name, v.id AS version_id, v.name AS boundary_version,
           v.valid_from, v.valid_to
    FROM admin_unit u JOIN boundary_version v ON v.id = u.boundary_version_id
    WHERE u.level = 'commune'
),
years AS (SELECT DISTINCT year FROM classification),
-- The boundary version valid at the end of each year: latest valid_from on or before 31 December.
year_version AS (
    SELECT y.year, max_by(v.id, v.valid_from) AS version_id
    FROM years y JOIN boundary_version v
      ON v.valid_from <= make_date(y.year, 12, 31) AND (v.valid_to IS NULL OR v.valid_to >= make_date(y.year, 12, 31))
    GROUP BY y.year
),
per_unit AS (
    SELECT yv.year, u.*, coalesce(c.status, 'no_data') AS status
    FROM year_version yv
    JOIN units u ON u.version_id = yv.version_id
    LEFT JOIN classification c ON c.unit_id = u.unit_id AND c.year = yv.year
),
quota AS (
    SELECT u.province_code, q.year, count(*) AS assigned,
           count(*) FILTER (WHERE c.status = 'drug_free') AS assigned_recognised
    FROM quota_assignment q JOIN units u USING (unit_id)
    LEFT JOIN classification c ON c.unit_id = q.unit_id AND c.year = q.year
    WHERE NOT q.self_registered
    GROUP BY ALL
)
SELECT p.boundary_version, p.province_code, any_value(p.province_name) AS province_name, p.year,
       count(*) AS communes,
       count(*) FILTER (WHERE p.status = 'drug_free') AS drug_free,
       CAST(100.0 * count(*) FILTER (WHERE p.status = 'drug_free') / count(*) AS DECIMAL(5,2)) AS drug_free_pct,
       count(*) FILTER (WHERE p.status = 'drug_free_candidate') AS drug_free_candidate,
       count(*) FILTER (WHERE p.status = 'no_activity') AS no_activity,
       count(*) FILTER (WHERE p.status = 'non_key') AS non_key,
       count(*) FILTER (WHERE p.status = 'type_iii') AS type_iii,
       count(*) FILTER (WHERE p.status = 'type_ii') AS type_ii,
       count(*) FILTER (WHERE p.status = 'type_i') AS type_i,
       count(*) FILTER (WHERE p.status = 'undetermined') AS undetermined,
       count(*) FILTER (WHERE p.status = 'no_data') AS no_data,
       any_value(t.target_pct) AS target_pct,
       ceil(any_value(t.target_pct) * count(*) / 100.0)::INTEGER AS target_communes,
       100.0 * count(*) FILTER (WHERE p.status = 'drug_free') / count(*) >= any_value(t.target_pct) AS on_track,
       any_value(pq.quota_count) AS quota_count,
       any_value(q.assigned) AS quota_assigned,
       any_value(q.assigned_recognised) AS quota_recognised
FROM per_unit p
LEFT JOIN target_path t ON t.province_code = p.province_code AND t.year = p.year
LEFT JOIN province_quota pq ON pq.province_code = p.province_code AND pq.year = p.year
LEFT JOIN quota q ON q.province_code = p.province_code AND q.year = p.year
GROUP BY p.boundary_version, p.province_code, p.year;

-- Art. 5 results with the province named, for reading.
CREATE VIEW province_classification_v AS
SELECT c.* EXCLUDE (criteria), u.province_name
FROM province_classification c
LEFT JOIN (SELECT DISTINCT ON (province_code) province_code, province_name FROM unit WHERE level = 'commune'
           ORDER BY province_code, valid_from DESC) u USING (province_code);

-- The stored classification no longer matches the rules: recompute on the next open.
DELETE FROM atlas_meta WHERE key = 'rules_digest';
