-- Derived results (migration 3): classification per commune-year, year-over-year conversion, the
-- target path, and province progress. `classification` and `conversion` are recomputed from the
-- indicators, recognition events and the rule files (data/rules/*.toml) after every import and
-- whenever the rules change; never edit them by hand.

-- One row per commune-year with indicators or a recognition event.
CREATE TABLE classification (
    unit_id               BIGINT NOT NULL,
    year                  SMALLINT NOT NULL,
    ruleset_id            VARCHAR,            -- NULL when nothing could be evaluated
    status                VARCHAR NOT NULL CHECK (status IN
                              ('drug_free', 'no_activity', 'at_risk', 'hotspot', 'undetermined', 'no_data')),
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
    reason_codes          VARCHAR,            -- e.g. 'I.a,I.b,I.c true; I.dd unknown(route)'
    criteria              VARCHAR,            -- JSON: every criterion with its tri-state and comparison
    review_flag           VARCHAR,            -- e.g. recognised drug-free while computed as a key area
    computed_at           TIMESTAMP NOT NULL,
    PRIMARY KEY (unit_id, year)
);

-- Status change between consecutive years, per unit of the later year. Across 2025-07-01 the
-- earlier year is re-aggregated from the old units through the crosswalk (labels never transfer).
CREATE TABLE conversion (
    unit_id        BIGINT NOT NULL,
    from_year      SMALLINT NOT NULL,
    to_year        SMALLINT NOT NULL,
    from_status    VARCHAR,
    to_status      VARCHAR,
    conversion     VARCHAR NOT NULL CHECK (conversion IN ('converted_to_drug_free', 'converted', 'maintained',
                       'relapsed', 'worsened', 'unchanged', 'not_comparable')),
    basis          VARCHAR NOT NULL,   -- same_unit | crosswalk_merge | crosswalk_apportioned | none
    reason         VARCHAR,
    PRIMARY KEY (unit_id, from_year, to_year)
);

-- Target share of drug-free communes per province and year (data/rules/targets.toml).
CREATE TABLE target_path (
    province_code  VARCHAR NOT NULL,
    year           SMALLINT NOT NULL,
    target_pct     DOUBLE NOT NULL,
    PRIMARY KEY (province_code, year)
);

-- Per province and year: communes, drug-free share against the target path, quotas.
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
    SELECT yv.year, u.*, c.status
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
       round(100.0 * count(*) FILTER (WHERE p.status = 'drug_free') / count(*), 2) AS drug_free_pct,
       count(*) FILTER (WHERE p.status = 'hotspot') AS hotspot,
       count(*) FILTER (WHERE p.status = 'at_risk') AS at_risk,
       count(*) FILTER (WHERE p.status = 'undetermined') AS undetermined,
       count(*) FILTER (WHERE p.status IS NULL OR p.status = 'no_data') AS no_data,
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

-- Classification with the commune's identity, for reading.
CREATE VIEW classification_v AS
SELECT u.boundary_version, u.code AS unit_code, u.name AS unit_name, u.province_code, u.province_name,
       c.* EXCLUDE (criteria)
FROM classification c JOIN unit u USING (unit_id);
