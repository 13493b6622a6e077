//! `commune-atlas import <kind> FILE`.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use clap::{Args, Subcommand};
use commune_atlas::import::{self, BoundaryOptions, CrosswalkOptions, ImportOptions, Input, PropertyNames, TableOptions};
use commune_atlas::store::Store;

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Units from a GeoJSON FeatureCollection, a Shapefile or a GeoPackage of polygons.
    #[command(after_help = "Examples:\n  \
commune-atlas import boundaries xa_82.zip --version vn2025 --valid-from 2025-07-01   # Shapefile, CRS from its .prj\n  \
commune-atlas import boundaries ranh_gioi.gpkg --version vn2025 --valid-from 2025-07-01 --crs vn2000-tm3:105\n  \
commune-atlas import boundaries communes_2025.geojson --version vn2025 --valid-from 2025-07-01\n  \
commune-atlas import boundaries communes_2019.geojson --version vn2019 --valid-from 2019-01-01 --valid-to 2025-06-30\n  \
commune-atlas import boundaries provinces.geojson --version vn2025 --valid-from 2025-07-01 --level province\n\n\
Shapefiles and GeoPackages may be in WGS 84 or VN-2000 (geographic, UTM 48/49 N, or TM-3 with the \
province's central meridian); they are converted with the published 7-parameter VN-2000 → WGS 84 \
transformation (Decision 05/2007/QĐ-BTNMT). The CRS comes from the .prj or the GeoPackage; a file \
without one is refused until --crs says it. DBF text is decoded in the code page its .cpg names.\n\n\
Each feature needs a code and a name property (see --code-prop, --name-prop); the type (Xã, Phường, \
Thị trấn, Đặc khu …) comes from --type-prop or else from the name. Rings must be closed, have at least \
4 positions and lie within lon −180…180, lat −90…90 (EPSG:4326). Ring orientation is fixed to RFC 7946 \
silently.\n\n\
Invalid geometry (self-intersecting rings, overlapping or edge-sharing parts, holes outside their \
polygon) is refused with the unit and position. With --repair it is repaired instead: the polygon is \
rebuilt from a constrained Delaunay triangulation of its edges with the odd-even rule (Ledoux et al. \
2014), so a figure-eight becomes two parts, zero-area spikes disappear, and overlapping parts are \
resolved. Repaired units are listed at the end and flagged `repaired` in the store.\n\n\
Real boundary files whose polygons were simplified one by one do not share exact edges: neighbours \
overlap and leave slivers. The tile engine (and the province and district outlines the atlas derives) \
snaps neighbours' vertices and edges together within a tolerance, chosen from the data: how far the \
vertices on shared boundaries miss their neighbour's edge (0 when they all meet exactly; about 6e-4° \
for files simplified with Douglas-Peucker 0.0005°). The import says what it chose; --snap-tolerance \
sets it instead. The source geometry in the store is never changed; GET /tiles reports the tolerance \
and what snapping moved.\n\n\
A version can be imported one province file at a time: a file replaces (with --replace) only the \
provinces it covers. When a version has communes but no province (or, before the reform, district) \
polygons, the atlas derives them by dissolving the communes on their province_code (district_code) \
along their shared edges; an imported province file takes their place.\n\n\
With --skip-invalid the valid features are imported and every skipped one is listed (feature number, \
code, name, reason).")]
    Boundaries(BoundaryArgs),

    /// Per-commune, per-year indicators (CSV, Parquet or a workbook; columns as in domain.md §5.2).
    #[command(after_help = "Example:\n  commune-atlas import indicators indicators_2025.csv\n  \
commune-atlas import indicators fixes_2024.csv --replace\n  \
commune-atlas import indicators bao_cao_2025.xlsx --province 82 --year 2025\n\n\
Workbooks (XLSX, XLS, ODS) are read as people make them: the first sheet with a recognisable header \
(or --sheet), title rows above the header, a two-row header with merged group cells, a column-numbering \
row, totals rows (skipped and said), numbers written 1.234 / 12,5 and Excel dates. Headers may be \
Vietnamese or English, with or without diacritics (data/import/aliases.toml lists them; --map for one-off \
files), and so may coded values (\"Liên tỉnh\", \"Loại II\", \"Có\"). A file may name its communes \
(\"Xã Tân Thành\", \"P. 1\", \"TT Cao Lộc\") instead of coding them: they are found in the province \
(--province or a province column) in the boundary version valid on the row's date; an ambiguous or unknown \
name is refused with the candidates. `commune-atlas template indicators` writes a workbook to fill in.\n\n\
Required columns: unit_code (or a commune name), year (or --year), resident_population, addicts_with_records, \
illegal_users_with_records, drug_use_locations, drug_offenders_arrested, plants_destroyed_count, \
plants_destroyed_area_m2, key_route_scope (none | intra_provincial | inter_provincial | transnational | \
unknown). Optional: reference_date (default: the end of the year's assessment period), source_ref \
(default: the file name), period_start, period_end (default: the year's assessment period), data_quality \
(default official) and the other §5.2 columns (addicts_in_community, methadone_patients, …).\n\n\
unit_code is the commune's published code, resolved in the boundary version valid on reference_date. \
Rows whose (unit, year) already exist are refused unless --replace, which replaces exactly those rows. \
Dates: YYYY-MM-DD or DD/MM/YYYY. Separators: comma, semicolon or tab (detected).")]
    Indicators(TableArgs),

    /// Old unit → new unit links across a boundary change.
    #[command(after_help = "Example:\n  commune-atlas import crosswalk crosswalk_2025.csv --effective-date 2025-07-01\n\n\
Columns: old_code, new_code, relation (full | partial | merge | split | rename | unchanged); optional \
effective_date, weight_population, weight_area (0–1, summing to 1 per old unit), weight_source, \
resolution_ref. Old codes are resolved the day before the effective date, new codes on it. \
Whole-unit relations get weight 1 when no weight is given.")]
    Crosswalk(CrosswalkArgs),

    /// Official recognition / classification events.
    #[command(after_help = "Example:\n  commune-atlas import recognitions recognitions_2025.csv\n\n\
Columns: unit_code, status_type (khong_ma_tuy_2025 | khong_co_te_nan_legacy | sach_ve_ma_tuy_provincial | \
key_type_official), value (I/II/III/none for key_type_official), year_covered, decision_no, decision_date, \
issuer, action (recognize | maintain | revoke | classify), source_url.")]
    Recognitions(TableArgs),

    /// Communes assigned a conversion quota in a province's plan (or self-registered).
    #[command(after_help = "Example:\n  commune-atlas import quotas quotas_2026.csv\n\n\
Columns: unit_code, year, assigned_by_plan, self_registered (true/false, default false).")]
    Quotas(TableArgs),

    /// Key complex drug routes (GeoJSON LineString/MultiLineString with name, route_scope).
    #[command(after_help = "Example:\n  commune-atlas import routes key_routes.geojson\n\n\
Properties: name, route_scope (intra_provincial | inter_provincial | transnational | unknown). \
The routes are one set: importing again needs --replace, which replaces them all.")]
    Routes(TableArgs),

    /// A province's registered yearly quota of communes to make drug-free.
    #[command(after_help = "Example:\n  commune-atlas import targets targets.csv\n\n\
Columns: province_code, year, quota_count; optional target_share_pct, plan_ref.")]
    Targets(TableArgs),

    /// Provinces designated on a key complex drug route (Decision 28/2025 Art. 5.6), by year.
    #[command(name = "province-routes", after_help = "Example:\n  commune-atlas import province-routes province_routes.csv\n\n\
Columns: province_code, year, route_scope (none | intra_provincial | inter_provincial | transnational | unknown), \
source_ref (the decision that designates the route). Criterion 6 of Art. 5 (a province on an \
inter-provincial route) reads it; without a row it stays unknown.")]
    ProvinceRoutes(TableArgs),
}

/// Options every import takes.
#[derive(Debug, Args)]
pub struct Common {
    /// Replace rows that already exist instead of refusing the file.
    #[arg(long)]
    pub replace: bool,
    /// Who is importing, recorded in import_log (default: $USER).
    #[arg(long, env = "USER", default_value = "unknown")]
    pub actor: String,
    /// Never draw progress bars.
    #[arg(long)]
    pub no_progress: bool,
    /// Import the valid rows (features) and list every skipped one with its reason, instead of
    /// refusing the whole file. What is kept is still written all or nothing; import_log records
    /// the import as partial. A problem with the file itself (unreadable, a column missing) still
    /// refuses it.
    #[arg(long)]
    pub skip_invalid: bool,
    /// Check everything an import would do (validation, names, weights, derived units) and
    /// write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// How to read a tabular file (CSV, Parquet, XLSX, XLS, ODS).
#[derive(Debug, Args)]
pub struct TableFlags {
    /// The sheet of a workbook, by name or number (default: the first sheet with a recognisable
    /// header row).
    #[arg(long, value_name = "SHEET")]
    pub sheet: Option<String>,
    /// The year of every row, for a file without a year column.
    #[arg(long, value_name = "YEAR")]
    pub year: Option<i64>,
    /// The province (code or name) of a file that names its communes and has no province
    /// column (or of a province-level file without a province_code column).
    #[arg(long, value_name = "PROVINCE")]
    pub province: Option<String>,
    /// Map a header the atlas does not know to a column key, e.g. --map "Cột lạ=addicts_with_records";
    /// "Header=" ignores that column. Repeat for several.
    #[arg(long = "map", value_name = "HEADER=KEY", value_parser = TableOptions::parse_map)]
    pub map: Vec<(String, String)>,
}

#[derive(Debug, Args)]
pub struct TableArgs {
    /// The file to import (CSV, Parquet for indicators, or a workbook: XLSX, XLS, ODS).
    pub file: PathBuf,
    #[command(flatten)]
    pub table: TableFlags,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Debug, Args)]
pub struct CrosswalkArgs {
    /// The file to import (CSV or a workbook).
    pub file: PathBuf,
    #[command(flatten)]
    pub table: TableFlags,
    /// Effective date for rows without an effective_date column.
    #[arg(long, default_value = "2025-07-01", value_name = "DATE")]
    pub effective_date: NaiveDate,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Debug, Args)]
pub struct BoundaryArgs {
    /// The file to import: GeoJSON (WGS 84), a Shapefile (.shp beside its .dbf, .prj, .cpg, or
    /// all in a .zip) or a GeoPackage (.gpkg).
    pub file: PathBuf,
    /// The coordinate system of a Shapefile or GeoPackage, when its .prj / spatial reference
    /// is missing or wrong: EPSG:<code>, wgs84, vn2000, vn2000-utm48, vn2000-utm49,
    /// vn2000-tm3:<central meridian, e.g. 105.5> or vn2000-tm3:<province, e.g. "Hà Giang">.
    #[arg(long, value_name = "CRS", value_parser = commune_atlas::geo::crs::Crs::parse)]
    pub crs: Option<commune_atlas::geo::crs::Crs>,
    /// The file's X is the northing and Y the easting (Vietnamese survey convention).
    #[arg(long)]
    pub swap_xy: bool,
    /// Name of the boundary version, e.g. vn2025.
    #[arg(long, value_name = "NAME")]
    pub version: String,
    /// First day the boundaries are valid (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub valid_from: NaiveDate,
    /// Last day they are valid (omit if still valid).
    #[arg(long, value_name = "DATE")]
    pub valid_to: Option<NaiveDate>,
    /// Administrative level of the features: commune, district or province.
    #[arg(long, default_value = "commune")]
    pub level: commune_atlas::vocab::Level,
    /// Code system (default: QD19_2025 from 2025-07-01, else QD124_2004).
    #[arg(long, value_parser = ["QD124_2004", "QD19_2025", "synthetic", "other"])]
    pub code_system: Option<String>,
    /// Where the boundaries come from (recorded with the version).
    #[arg(long)]
    pub source: Option<String>,
    /// Repair invalid geometry instead of refusing the file (see below).
    #[arg(long)]
    pub repair: bool,
    /// Snap neighbours' vertices and edges within this many degrees when building map tiles and
    /// derived outlines (see below); 0 for topologically exact boundaries. Default: chosen from
    /// the data.
    #[arg(long, value_name = "DEGREES")]
    pub snap_tolerance: Option<f64>,
    /// Property holding the unit code.
    #[arg(long, default_value = "code", value_name = "PROP")]
    pub code_prop: String,
    /// Property holding the unit name.
    #[arg(long, default_value = "name", value_name = "PROP")]
    pub name_prop: String,
    /// Property holding the unit type (Xã, Phường, …).
    #[arg(long, default_value = "type", value_name = "PROP")]
    pub type_prop: String,
    /// Property holding the province code.
    #[arg(long, default_value = "province_code", value_name = "PROP")]
    pub province_code_prop: String,
    /// Property holding the province name.
    #[arg(long, default_value = "province_name", value_name = "PROP")]
    pub province_name_prop: String,
    /// Property holding the district code (pre-2025 files).
    #[arg(long, default_value = "district_code", value_name = "PROP")]
    pub district_code_prop: String,
    /// Property holding the district name (pre-2025 files).
    #[arg(long, default_value = "district_name", value_name = "PROP")]
    pub district_name_prop: String,
    #[command(flatten)]
    pub common: Common,
}

fn options(c: &Common) -> ImportOptions {
    ImportOptions { replace: c.replace, actor: c.actor.clone(), progress: !c.no_progress, skip_invalid: c.skip_invalid, table: TableOptions::default(), dry_run: c.dry_run }
}

fn table_options(c: &Common, t: &TableFlags) -> ImportOptions {
    let table = TableOptions { sheet: t.sheet.clone(), year: t.year, province: t.province.clone(), map: t.map.clone() };
    ImportOptions { table, ..options(c) }
}

pub fn run(db: &Path, cmd: ImportCommand) -> anyhow::Result<()> {
    let store = Store::open(db)?;
    let report = match &cmd {
        ImportCommand::Boundaries(a) => {
            let b = BoundaryOptions {
                version: a.version.clone(),
                valid_from: a.valid_from,
                valid_to: a.valid_to,
                level: a.level.clone(),
                code_system: a.code_system.clone(),
                source: a.source.clone(),
                repair: a.repair,
                snap_tolerance: a.snap_tolerance,
                props: PropertyNames {
                    code: a.code_prop.clone(),
                    name: a.name_prop.clone(),
                    unit_type: a.type_prop.clone(),
                    province_code: a.province_code_prop.clone(),
                    province_name: a.province_name_prop.clone(),
                    district_code: a.district_code_prop.clone(),
                    district_name: a.district_name_prop.clone(),
                },
            };
            let v = import::VectorOptions { crs: a.crs.clone(), swap_xy: a.swap_xy };
            import::import_boundary_file(&store, &Input::from_path(&a.file)?, &b, &v, &options(&a.common))?
        }
        ImportCommand::Indicators(a) => import::import_indicators(&store, &Input::from_path(&a.file)?, &table_options(&a.common, &a.table))?,
        ImportCommand::Crosswalk(a) => {
            let xw = CrosswalkOptions { effective_date: a.effective_date };
            import::import_crosswalk(&store, &Input::from_path(&a.file)?, &xw, &table_options(&a.common, &a.table))?
        }
        ImportCommand::Recognitions(a) => {
            import::import_recognitions(&store, &Input::from_path(&a.file)?, &table_options(&a.common, &a.table))?
        }
        ImportCommand::Quotas(a) => import::import_quotas(&store, &Input::from_path(&a.file)?, &table_options(&a.common, &a.table))?,
        ImportCommand::Targets(a) => import::import_targets(&store, &Input::from_path(&a.file)?, &table_options(&a.common, &a.table))?,
        ImportCommand::Routes(a) => import::import_routes(&store, &Input::from_path(&a.file)?, &options(&a.common))?,
        ImportCommand::ProvinceRoutes(a) => import::import_province_routes(&store, &Input::from_path(&a.file)?, &table_options(&a.common, &a.table))?,
    };
    for note in &report.notes {
        println!("  {note}");
    }
    println!("{report}");
    if report.dry_run {
        println!("dry run: nothing was written");
        return Ok(());
    }
    let rules = commune_atlas::rules::Rules::embedded()?;
    let (r, _) = commune_atlas::analytics::refresh(&store, &rules)?;
    println!("classified {} commune-years, {} conversions in {:.2} s", r.classified, r.conversions, r.seconds);
    Ok(())
}
