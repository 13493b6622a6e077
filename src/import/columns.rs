//! The columns each tabular import expects: name, type and range, whether required, and what it
//! means. Names and ranges follow domain.md §5.2 and match `src/store/migrations/0001_core_schema.sql`
//! (a test checks the two agree).

use crate::vocab::{DataQuality, Level, RecognitionAction, RecognitionKind, Relation, ReportedKeyType, RouteScope};

/// The type and allowed range of a column.
#[derive(Debug, Clone, Copy)]
pub enum Ty {
    Int { min: i64, max: i64 },
    Float { min: f64, max: f64 },
    Date,
    Text,
    Enum(&'static [&'static str]),
    Bool,
}

/// One expected column.
#[derive(Debug, Clone, Copy)]
pub struct ColumnSpec {
    /// The column's key (its English header); Vietnamese and other spellings are in
    /// `data/import/aliases.toml`.
    pub name: &'static str,
    pub ty: Ty,
    /// Must be present and non-empty (unless `default` applies).
    pub required: bool,
    /// Used when the column is absent or the field empty.
    pub default: Option<&'static str>,
    /// Vietnamese term and unit, for messages and `--help`.
    pub meaning: &'static str,
}

const fn col(name: &'static str, ty: Ty, required: bool, meaning: &'static str) -> ColumnSpec {
    ColumnSpec { name, ty, required, default: None, meaning }
}

const N: Ty = Ty::Int { min: 0, max: i32::MAX as i64 };
const YEAR: Ty = Ty::Int { min: 2000, max: 2035 };

pub const LEGAL_REGIMES: &[&str] = &["pre_256a", "post_256a"];

/// Indicator columns, in the order of the `indicator` table (after `unit_id`). `unit_code` is the
/// commune's published code; it is resolved to a unit of the boundary version valid at
/// `reference_date`.
pub const INDICATOR_COLUMNS: &[ColumnSpec] = &[
    ColumnSpec {
        name: "unit_code",
        ty: Ty::Text,
        required: true,
        default: None,
        meaning: "mã đơn vị hành chính cấp xã (commune code)",
    },
    col("year", YEAR, true, "năm báo cáo (reporting year)"),
    col("reference_date", Ty::Date, false, "ngày chốt số liệu (reference date; default: the end of the year's assessment period)"),
    col("period_start", Ty::Date, false, "đầu kỳ đánh giá (default: from the year's rule set: 15/12 of the year before under Decision 28/2025, else 1 January)"),
    col("period_end", Ty::Date, false, "cuối kỳ đánh giá (default: 14/12 of the year under Decision 28/2025, else 31 December)"),
    col("resident_population", Ty::Int { min: 1, max: i32::MAX as i64 }, true, "dân số đang cư trú (persons)"),
    col("addicts_with_records", N, true, "người nghiện ma túy có hồ sơ quản lý"),
    col("illegal_users_with_records", N, true, "người sử dụng trái phép chất ma túy có hồ sơ quản lý"),
    col("addicts_in_community", N, false, "người nghiện ngoài xã hội"),
    col("addicts_in_compulsory_rehab", N, false, "đang cai nghiện bắt buộc"),
    col("addicts_in_voluntary_facility", N, false, "cai nghiện tự nguyện tại cơ sở"),
    col("addicts_in_community_rehab", N, false, "cai nghiện tại gia đình, cộng đồng"),
    col("addicts_in_detention", N, false, "đang bị giam giữ"),
    col("methadone_patients", N, false, "điều trị thay thế bằng Methadone"),
    col("users_in_community", N, false, "người sử dụng ngoài xã hội"),
    col("users_in_detention", N, false, "người sử dụng bị giam giữ"),
    col("post_rehab_managed", N, false, "người bị quản lý sau cai nghiện"),
    col("new_addicts_in_period", N, false, "người nghiện phát sinh mới trong kỳ"),
    col("new_users_in_period", N, false, "người sử dụng phát sinh mới trong kỳ"),
    col("no_fixed_residence", N, false, "không có nơi cư trú ổn định"),
    col("psychosis_signs", N, false, "có biểu hiện loạn thần (\"ngáo đá\")"),
    col(
        "residents_using_not_exempt",
        N,
        false,
        "người hiện cư trú nghiện, sử dụng trái phép chất ma túy, trừ người điều trị thay thế, cai nghiện tại gia đình, cộng đồng, quản lý sau cai (Art. 6.1)",
    ),
    col("residents_violating_drug_law", N, false, "người hiện cư trú vi phạm pháp luật về ma túy trên địa bàn (Art. 6.2)"),
    col("wanted_drug_fugitives_hiding", N, false, "đối tượng bị truy nã do phạm tội về ma túy lẩn trốn trên địa bàn (Art. 6.2)"),
    col("drug_use_locations", N, true, "điểm tổ chức, chứa chấp sử dụng trái phép chất ma túy (count)"),
    col("drug_hotspots_legacy", N, false, "điểm, tụ điểm (tệ nạn) ma túy — pre-2025 concept (count)"),
    col("drug_offenders_arrested", N, true, "người phạm tội về ma túy bị bắt trên địa bàn (persons)"),
    col("drug_cases_detected", N, false, "số vụ phạm tội về ma túy (cases)"),
    col("art256a_cases", N, false, "vụ theo Điều 256a BLHS (cases)"),
    col("plants_destroyed_count", N, true, "số cây có chứa chất ma túy bị phát hiện, triệt phá (plants)"),
    col("plants_destroyed_area_m2", Ty::Float { min: 0.0, max: 1e9 }, true, "diện tích trồng cây có chứa chất ma túy (m²)"),
    col("plant_cases", N, false, "số vụ trồng cây có chứa chất ma túy (cases)"),
    col("key_route_scope", Ty::Enum(RouteScope::SPELLINGS), true, "nằm trên tuyến trọng điểm phức tạp về ma túy"),
    col("propaganda_sessions", N, false, "buổi tuyên truyền"),
    col("propaganda_reach_persons", N, false, "lượt người được tuyên truyền"),
    col("staff_trained", N, false, "cán bộ được tập huấn, bồi dưỡng"),
    col("vocational_training_persons", N, false, "người được dạy nghề"),
    col("jobs_supported", N, false, "người được hỗ trợ việc làm"),
    col("reported_key_type", Ty::Enum(ReportedKeyType::SPELLINGS), false, "loại trọng điểm do cơ quan có thẩm quyền xác định"),
    col("reported_addict_rate_pct", Ty::Float { min: 0.0, max: 100.0 }, false, "tỷ lệ do báo cáo nêu (%)"),
    col("legal_regime", Ty::Enum(LEGAL_REGIMES), false, "khung pháp lý cho số liệu bắt giữ"),
    col("source_ref", Ty::Text, true, "nguồn số liệu (source reference)"),
    col("source_url", Ty::Text, false, "đường dẫn nguồn"),
    ColumnSpec {
        name: "data_quality",
        ty: Ty::Enum(DataQuality::SPELLINGS),
        required: true,
        default: Some("official"),
        meaning: "chất lượng số liệu (official, press, estimate, apportioned)",
    },
];


/// Crosswalk columns. Extra columns of the published crosswalk (names, districts, provinces) are
/// accepted and ignored: they are informative only.
pub const CROSSWALK_COLUMNS: &[ColumnSpec] = &[
    col("old_code", Ty::Text, true, "mã xã trước sắp xếp (old commune code)"),
    col("new_code", Ty::Text, true, "mã xã sau sắp xếp (new commune code)"),
    col("relation", Ty::Enum(Relation::SPELLINGS), true, "full (whole old unit) or partial (old unit split)"),
    col("effective_date", Ty::Date, false, "ngày hiệu lực (default: --effective-date)"),
    col("weight_population", Ty::Float { min: 0.0, max: 1.0 }, false, "share of the old unit's population (0–1)"),
    col("weight_area", Ty::Float { min: 0.0, max: 1.0 }, false, "share of the old unit's area (0–1)"),
    col("weight_source", Ty::Text, false, "how the weights were obtained"),
    col("resolution_ref", Ty::Text, false, "nghị quyết sắp xếp, e.g. 1656/NQ-UBTVQH15"),
    col("old_name", Ty::Text, false, "informative"),
    col("old_level", Ty::Enum(Level::SPELLINGS), false, "commune (default), or district/province: the row links that whole old unit"),
    col("old_district_code", Ty::Text, false, "informative"),
    col("old_district_name", Ty::Text, false, "informative"),
    col("old_province_code", Ty::Text, false, "informative"),
    col("old_province_name", Ty::Text, false, "informative"),
    col("new_name", Ty::Text, false, "informative"),
    col("new_province_code", Ty::Text, false, "informative"),
    col("new_province_name", Ty::Text, false, "informative"),
];


/// Recognition event columns (domain.md §5.1).
pub const RECOGNITION_COLUMNS: &[ColumnSpec] = &[
    ColumnSpec {
        name: "unit_code",
        ty: Ty::Text,
        required: true,
        default: None,
        meaning: "mã xã (commune code, resolved on 31 December of year_covered)",
    },
    col("status_type", Ty::Enum(RecognitionKind::SPELLINGS), true, "loại công nhận"),
    col("value", Ty::Text, false, "e.g. I, II, III for key_type_official"),
    col("year_covered", YEAR, true, "năm được công nhận"),
    col("decision_no", Ty::Text, true, "số quyết định, e.g. 123/QĐ-UBND"),
    col("decision_date", Ty::Date, true, "ngày quyết định"),
    col("issuer", Ty::Text, true, "cơ quan ban hành, e.g. UBND tỉnh An Giang"),
    col("action", Ty::Enum(RecognitionAction::SPELLINGS), true, "recognize, maintain, revoke or classify"),
    col("source_url", Ty::Text, false, "đường dẫn nguồn"),
];

/// Commune quota assignments (domain.md §5.1).
pub const QUOTA_COLUMNS: &[ColumnSpec] = &[
    ColumnSpec {
        name: "unit_code",
        ty: Ty::Text,
        required: true,
        default: None,
        meaning: "mã xã (commune code, resolved on 31 December of year)",
    },
    col("year", YEAR, true, "năm chỉ tiêu"),
    col("assigned_by_plan", Ty::Text, false, "kế hoạch giao chỉ tiêu, e.g. 695/KH-UBND"),
    ColumnSpec {
        name: "self_registered",
        ty: Ty::Bool,
        required: true,
        default: Some("false"),
        meaning: "xã tự đăng ký (true/false)",
    },
];

/// Province yearly targets: how many communes the province commits to make drug-free.
pub const TARGET_COLUMNS: &[ColumnSpec] = &[
    col("province_code", Ty::Text, true, "mã tỉnh (2 digits)"),
    col("year", YEAR, true, "năm"),
    col("quota_count", N, true, "số xã đăng ký đạt không ma túy trong năm"),
    col("target_share_pct", Ty::Float { min: 0.0, max: 100.0 }, false, "tỷ lệ mục tiêu (%)"),
    col("plan_ref", Ty::Text, false, "kế hoạch, e.g. 695/KH-UBND"),
];

/// Province route designation columns (Decision 28/2025 Art. 5.6).
pub const PROVINCE_ROUTE_COLUMNS: &[ColumnSpec] = &[
    col("province_code", Ty::Text, true, "mã tỉnh (2 digits)"),
    col("year", YEAR, true, "năm (kỳ đánh giá kết thúc trong năm)"),
    col("route_scope", Ty::Enum(RouteScope::SPELLINGS), true, "tỉnh nằm trên tuyến trọng điểm: none, intra_provincial, inter_provincial, transnational, unknown"),
    col("source_ref", Ty::Text, true, "văn bản xác định tuyến (e.g. a Ministry decision number)"),
];

/// Position of a column in a spec list (a programming error if absent).
pub fn pos(specs: &[ColumnSpec], name: &str) -> usize {
    specs.iter().position(|s| s.name == name).unwrap_or_else(|| panic!("no column spec named {name}"))
}
