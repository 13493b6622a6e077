//! The annual review, told as the people in it live it: the province opens the 2026 review; a
//! commune officer drafts the commune's figures, submits; the reviewer returns them with a
//! comment; the officer corrects and resubmits; the reviewer accepts — and the accepted figures
//! are the commune's indicator row, exactly as typed. Stale writes change nothing; an import
//! cannot overwrite figures under review; every step is in the audit trail.

mod common;

use chrono::NaiveDate;
use commune_atlas::Error;
use commune_atlas::import::{self, BoundaryOptions, ImportOptions, Input};
use commune_atlas::review::{self, Draft, PeriodState, SubmissionState};
use commune_atlas::store::Store;
use common::*;
use serde_json::json;

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("atlas.duckdb")).unwrap();
    let geo = grid_geojson("98", 2, 3, 105.0, 21.0, 0.1);
    let b = BoundaryOptions {
        version: "test2025".into(),
        valid_from: NaiveDate::from_ymd_opt(2025, 7, 1).unwrap(),
        valid_to: None,
        level: commune_atlas::vocab::Level::Commune,
        code_system: Some("synthetic".into()),
        source: None,
        repair: false,
        snap_tolerance: Some(0.0),
        props: Default::default(),
    };
    import::import_boundaries(&store, &Input::from_bytes("grid.geojson", geo.as_bytes()), &b, &ImportOptions::default()).unwrap();
    (dir, store)
}

fn unit(store: &Store, code: &str) -> i64 {
    store.connect().unwrap().query_row("SELECT unit_id FROM admin_unit WHERE code = ?", [code], |r| r.get(0)).unwrap()
}

fn figures(addicts: i64) -> Draft {
    let f = json!({
        "resident_population": 8200, "addicts_with_records": addicts, "illegal_users_with_records": 3,
        "addicts_in_community": addicts.min(2), "drug_use_locations": 0, "drug_offenders_arrested": 1,
        "plants_destroyed_count": 0, "plants_destroyed_area_m2": 0, "key_route_scope": "none",
        "residents_using_not_exempt": 0, "residents_violating_drug_law": 0, "wanted_drug_fugitives_hiding": 0
    });
    Draft { figures: f.as_object().unwrap().clone(), self_key_type: Some("none".into()), self_drug_free: Some(addicts == 0), justification: Some("Theo báo cáo của Công an xã".into()) }
}

#[test]
fn a_commune_submission_is_returned_corrected_and_accepted_and_becomes_its_indicator_row() {
    let (_d, store) = store();
    let period = review::open_period(&store, 2026, Some("98"), None, "admin").unwrap();
    assert_eq!((period.period_start.as_str(), period.period_end.as_str()), ("2025-12-15", "2026-12-14"), "Art. 7.1");
    assert_eq!((period.commune_deadline.as_str(), period.province_deadline.as_str(), period.ministry_deadline.as_str()), ("2026-12-10", "2026-12-20", "2026-12-30"));
    assert_eq!(period.state, PeriodState::Open);
    let again = review::open_period(&store, 2026, Some("98"), None, "admin").unwrap_err();
    assert!(again.to_string().contains("already open"), "{again}");

    let commune = unit(&store, "98002");
    // A draft with an invalid figure is kept as typed (nothing typed is lost) …
    let mut bad = figures(1);
    bad.figures.insert("addicts_in_community".into(), json!(5)); // more than addicts_with_records
    let d1 = review::save_draft(&store, period.id, commune, 0, &bad, "officer-98002").unwrap();
    assert_eq!((d1.state, d1.version), (SubmissionState::Draft, 1));
    assert_eq!(review::submission_of(&store, period.id, commune).unwrap().unwrap().draft.figures["addicts_in_community"], json!(5));
    // … but cannot be submitted: the import's own check says why, and nothing changes.
    let err = review::submit(&store, d1.id, 1, "officer-98002").unwrap_err();
    assert!(matches!(err, Error::Rejected(_)) && err.to_string().contains("addicts_in_community (5) exceeds addicts_with_records (1)"), "{err}");
    // … located by the form's field (what the officer can find), not a line of a file they never saw.
    let Error::Rejected(problems) = &err else { unreachable!() };
    assert_eq!((problems.items[0].file.as_str(), problems.items[0].field.as_deref()), ("the form", Some("addicts_in_community")), "{problems:?}");
    assert_eq!(review::submission_of(&store, period.id, commune).unwrap().unwrap().state, SubmissionState::Draft);

    // A stale save (an older tab) changes nothing.
    let d2 = review::save_draft(&store, period.id, commune, 1, &figures(4), "officer-98002").unwrap();
    let stale = review::save_draft(&store, period.id, commune, 1, &figures(9), "officer-98002").unwrap_err();
    assert!(matches!(stale, Error::Conflict(_)), "{stale}");
    assert_eq!(review::submission_of(&store, period.id, commune).unwrap().unwrap().draft.figures["addicts_with_records"], json!(4));

    let s1 = review::submit(&store, d2.id, d2.version, "officer-98002").unwrap();
    assert_eq!(s1.state, SubmissionState::Submitted);
    // While under review, an import of the same commune-year is refused, saying so.
    let csv = format!("{INDICATOR_HEADER}\n{}\n", indicator_line("98002", 2026, 2));
    let refused = import::import_indicators(&store, &Input::from_bytes("ind.csv", csv.as_bytes()), &ImportOptions { replace: true, ..Default::default() }).unwrap_err();
    assert!(refused.to_string().contains("is under review in the atlas"), "{refused}");

    let returned = review::return_submission(&store, s1.id, s1.version, "Số người nghiện chưa khớp với danh sách quản lý", "reviewer-98").unwrap();
    assert_eq!((returned.state, returned.comment.as_deref()), (SubmissionState::Returned, Some("Số người nghiện chưa khớp với danh sách quản lý")));
    let corrected = review::save_draft(&store, period.id, commune, returned.version, &figures(6), "officer-98002").unwrap();
    let s2 = review::submit(&store, corrected.id, corrected.version, "officer-98002").unwrap();

    // Two reviewers accept the same submission: one wins, the other is told and changes nothing.
    let a = review::accept(&store, s2.id, s2.version, "reviewer-98").unwrap();
    assert_eq!(a.state, SubmissionState::Accepted);
    let b = review::accept(&store, s2.id, s2.version, "reviewer-98-b").unwrap_err();
    assert!(matches!(b, Error::Conflict(_)), "{b}");

    // The accepted figures are the commune's 2026 indicator row, exactly as typed.
    let conn = store.connect().unwrap();
    let (addicts, pop, users, ref_date, source): (i64, i64, i64, String, String) = conn
        .query_row(
            "SELECT addicts_with_records, resident_population, illegal_users_with_records, CAST(reference_date AS VARCHAR), source_ref FROM indicator WHERE unit_id = ? AND year = 2026",
            [commune],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .unwrap();
    assert_eq!((addicts, pop, users, ref_date.as_str()), (6, 8200, 3, "2026-12-14"));
    assert!(source.contains("annual review 2026"), "{source}");

    // Every step is in the trail, with who did it.
    let steps: Vec<(String, String)> = conn
        .prepare("SELECT action, actor FROM review_event ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let actions: Vec<&str> = steps.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(actions, ["open_period", "save_draft", "save_draft", "submit", "return", "save_draft", "submit", "accept"]);
    assert_eq!(steps.last().unwrap().1, "reviewer-98");
    let logged: i64 = conn.query_row("SELECT count(*) FROM import_log WHERE file_name LIKE 'annual review 2026%' AND outcome = 'accepted'", [], |r| r.get(0)).unwrap();
    assert_eq!(logged, 1, "the acceptance's write is in import_log like any import");
}

#[test]
fn a_withdrawn_submission_is_a_draft_again_and_a_closed_period_takes_no_more() {
    let (_d, store) = store();
    let period = review::open_period(&store, 2026, None, Some(NaiveDate::from_ymd_opt(2026, 12, 5).unwrap()), "admin").unwrap();
    assert_eq!(period.commune_deadline, "2026-12-05", "the province's own deadline");
    let late = review::open_period(&store, 2027, None, Some(NaiveDate::from_ymd_opt(2027, 12, 25).unwrap()), "admin").unwrap_err();
    assert!(late.to_string().contains("by the province's deadline"), "{late}");

    let commune = unit(&store, "98004");
    let d = review::save_draft(&store, period.id, commune, 0, &figures(0), "officer").unwrap();
    let s = review::submit(&store, d.id, d.version, "officer").unwrap();
    let w = review::withdraw(&store, s.id, s.version, "officer").unwrap();
    assert_eq!(w.state, SubmissionState::Draft);
    assert!(review::accept(&store, w.id, w.version, "reviewer").unwrap_err().to_string().contains("only one that is submitted"));

    let closed = review::close_period(&store, period.id, period.version, "admin").unwrap();
    assert_eq!(closed.state, PeriodState::Closed);
    let err = review::save_draft(&store, period.id, commune, w.version, &figures(1), "officer").unwrap_err();
    assert!(err.to_string().contains("no longer taken"), "{err}");
    assert_eq!(count(&store, "indicator"), 0, "nothing was accepted, so no figures were written");
}

#[test]
fn past_the_commune_deadline_what_was_not_submitted_is_overdue_and_the_days_count_down() {
    let (_d, store) = store();
    let period = review::open_period(&store, 2026, Some("98"), None, "admin").unwrap();
    let units: Vec<i64> = ["98001", "98002", "98003", "98004"].iter().map(|c| unit(&store, c)).collect();
    let submitted = review::save_draft(&store, period.id, units[0], 0, &figures(1), "officer").unwrap();
    review::submit(&store, submitted.id, submitted.version, "officer").unwrap();
    review::save_draft(&store, period.id, units[1], 0, &figures(2), "officer").unwrap();
    let subs = review::submissions(&store, period.id).unwrap();
    let communes: Vec<review::progress::Commune> = units.iter().map(|&u| review::progress::Commune { unit_id: u, province_code: "98", province_name: "Tỉnh 98" }).collect();
    let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap();

    let before = review::progress::tally(&period, &communes, &subs, day(12, 2));
    assert_eq!((before.days_to_commune_deadline, before.days_to_province_deadline, before.days_to_ministry_deadline), (8, 18, 28));
    let p = &before.provinces[0];
    assert_eq!((p.communes, p.not_started, p.draft, p.submitted, p.overdue), (4, 2, 1, 1, 0), "before the deadline nothing is overdue");
    let on_the_day = review::progress::tally(&period, &communes, &subs, day(12, 10));
    assert_eq!((on_the_day.days_to_commune_deadline, on_the_day.provinces[0].overdue), (0, 0), "the deadline day still counts");
    let after = review::progress::tally(&period, &communes, &subs, day(12, 11));
    assert_eq!((after.days_to_commune_deadline, after.provinces[0].overdue), (-1, 3), "the draft and the two not started are overdue; the submitted one is not");
}

mod http {
    use super::*;
    use std::time::Duration;

    fn agent() -> ureq::Agent {
        ureq::Agent::config_builder().http_status_as_error(false).timeout_global(Some(Duration::from_secs(60))).build().into()
    }

    /// A JSON request as `token`; the status and the body.
    fn call(method: &str, url: &str, token: &str, body: Option<serde_json::Value>) -> (u16, serde_json::Value) {
        let a = agent();
        let auth = format!("Bearer {token}");
        let mut resp = match method {
            "GET" => a.get(url).header("Authorization", &auth).call(),
            "PUT" => a.put(url).header("Authorization", &auth).send_json(body.unwrap_or_default()),
            _ => a.post(url).header("Authorization", &auth).send_json(body.unwrap_or_default()),
        }
        .unwrap();
        let status = resp.status().as_u16();
        let text = resp.body_mut().read_to_string().unwrap();
        (status, serde_json::from_str(&text).unwrap_or(serde_json::Value::Null))
    }

    #[test]
    fn over_http_each_person_does_only_their_step_and_a_stale_acceptance_is_a_409() {
        let dir = tempfile::tempdir().unwrap();
        let db = demo_store(dir.path());
        // Two communes of province 98 and one of 99, in the newest boundary version.
        let (a, b, q) = {
            let store = Store::open(&db).unwrap();
            let conn = store.connect().unwrap();
            let pick = |p: &str, n: i64| -> (i64, String) {
                conn.query_row(
                    "SELECT unit_id, code FROM admin_unit WHERE level = 'commune' AND province_code = ? AND boundary_version_id = (SELECT max(id) FROM boundary_version) ORDER BY code LIMIT 1 OFFSET ?",
                    duckdb::params![p, n],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .unwrap()
            };
            (pick("98", 0), pick("98", 1), pick("99", 0))
        };
        let communes_98 = common::current_communes(&db, "98").len() as i64;
        let admin = add_user(&db, "admin1", "admin", "*");
        let officer = add_user(&db, "officer-a", "officer", &a.1);
        let reviewer = add_user(&db, "reviewer-98", "reviewer", "98");
        let other_reviewer = add_user(&db, "reviewer-99", "reviewer", "99");
        let server = common::serve_with(&db, &["--require-login"]);
        let u = |path: &str| format!("{}{path}", server.base);

        let (st, body) = call("POST", &u("/api/review/periods"), &admin, Some(json!({ "year": 2026, "province_code": "98" })));
        assert_eq!(st, 200, "{body}");
        let period = body["period"]["id"].as_i64().unwrap();
        let (st, _) = call("POST", &u("/api/review/periods"), &officer, Some(json!({ "year": 2027 })));
        assert_eq!(st, 403, "an officer does not open periods");

        // The officer enters their commune's figures, and nothing else.
        let draft = json!({ "version": 0, "figures": figures(5).figures, "self_key_type": "III", "self_drug_free": false, "justification": "Có 1 điểm sử dụng" });
        let (st, body) = call("PUT", &u(&format!("/api/review/periods/{period}/communes/{}", a.0)), &officer, Some(draft.clone()));
        assert_eq!(st, 200, "{body}");
        let (st, _) = call("PUT", &u(&format!("/api/review/periods/{period}/communes/{}", b.0)), &officer, Some(draft.clone()));
        assert_eq!(st, 403, "commune B's form");
        let (st, _) = call("GET", &u(&format!("/api/review/periods/{period}/communes/{}", b.0)), &officer, None);
        assert_eq!(st, 403, "commune B's submission");
        for path in [format!("/api/units/{}/evaluation?year=2026", b.0), "/api/status?year=2026".into(), "/api/choropleth?year=2026&metric=status".into(), "/tiles".into(), format!("/api/review/periods/{period}/queue")] {
            let (st, _) = call("GET", &u(&path), &officer, None);
            assert_eq!(st, 403, "an officer sees nothing but their forms: {path}");
        }
        let (st, _) = call("POST", &u("/api/sql"), &officer, Some(json!({ "sql": "SELECT * FROM indicator_v" })));
        assert_eq!(st, 403, "no SQL rows for an officer");

        let sub = body_of(call("GET", &u(&format!("/api/review/periods/{period}/communes/{}", a.0)), &officer, None));
        let id = sub["submission"]["id"].as_i64().unwrap();
        let (st, body) = call("POST", &u(&format!("/api/review/submissions/{id}/submit")), &officer, Some(json!({ "version": 1 })));
        assert_eq!(st, 200, "{body}");
        let v = body["submission"]["version"].as_i64().unwrap();

        // The progress of the review: the reviewer has one submission waiting, the province's tally
        // counts it; the officer's tally is their commune alone; province 99 is not in this period.
        let (st, prog) = call("GET", &u("/api/review/progress"), &reviewer, None);
        assert_eq!(st, 200, "{prog}");
        assert_eq!(prog["waiting"], 1, "{prog}");
        let p98 = &prog["periods"][0]["provinces"][0];
        assert_eq!((p98["province_code"].as_str(), p98["communes"].as_i64(), p98["submitted"].as_i64(), p98["not_started"].as_i64()), (Some("98"), Some(communes_98), Some(1), Some(communes_98 - 1)), "{prog}");
        let today = chrono::Utc::now().date_naive();
        let deadline = NaiveDate::from_ymd_opt(2026, 12, 10).unwrap();
        assert_eq!(prog["periods"][0]["days_to_commune_deadline"].as_i64(), Some((deadline - today).num_days()));
        assert_eq!(p98["overdue"].as_i64(), Some(if today > deadline { communes_98 - 1 } else { 0 }), "overdue: past the deadline and not submitted");
        let (_, mine) = call("GET", &u("/api/review/progress"), &officer, None);
        assert_eq!((mine["waiting"].as_i64(), mine["periods"][0]["provinces"][0]["communes"].as_i64(), mine["periods"][0]["provinces"][0]["submitted"].as_i64()), (Some(0), Some(1), Some(1)), "{mine}");
        let (_, other) = call("GET", &u("/api/review/progress"), &other_reviewer, None);
        assert_eq!((other["waiting"].as_i64(), other["periods"].as_array().map(Vec::len)), (Some(0), Some(0)), "{other}");

        // A reviewer of another province sees and decides nothing here; the officer cannot accept.
        let (st, _) = call("POST", &u(&format!("/api/review/submissions/{id}/accept")), &other_reviewer, Some(json!({ "version": v })));
        assert_eq!(st, 403);
        let (st, body) = call("GET", &u(&format!("/api/review/periods/{period}/queue")), &other_reviewer, None);
        assert_eq!((st, body["communes"].as_array().map(Vec::len)), (200, Some(0)), "province 99's reviewer sees none of 98's communes: {body}");
        let (st, _) = call("POST", &u(&format!("/api/review/submissions/{id}/accept")), &officer, Some(json!({ "version": v })));
        assert_eq!(st, 403, "an officer does not accept their own figures");
        let (st, _) = call("GET", &u(&format!("/api/review/periods/{period}/communes/{}", q.0)), &reviewer, None);
        assert_eq!(st, 403, "province 98's reviewer has no business with 99's commune");

        // The reviewer's queue shows the submission; they accept it; a second, stale acceptance is a 409.
        let (st, body) = call("GET", &u(&format!("/api/review/periods/{period}/queue")), &reviewer, None);
        assert_eq!(st, 200);
        let row = body["communes"].as_array().unwrap().iter().find(|c| c["unit_id"] == a.0).cloned().unwrap();
        assert_eq!(row["state"], "submitted");
        let (st, body) = call("POST", &u(&format!("/api/review/submissions/{id}/accept")), &reviewer, Some(json!({ "version": v })));
        assert_eq!(st, 200, "{body}");
        let (st, body) = call("POST", &u(&format!("/api/review/submissions/{id}/accept")), &reviewer, Some(json!({ "version": v })));
        assert_eq!(st, 409, "{body}");
        let (_, prog) = call("GET", &u("/api/review/progress"), &reviewer, None);
        assert_eq!((prog["waiting"].as_i64(), prog["periods"][0]["provinces"][0]["accepted"].as_i64()), (Some(0), Some(1)), "{prog}");

        // The accepted figures equal what was typed, read back through the evaluation and SQL.
        let (st, ev) = call("GET", &u(&format!("/api/units/{}/evaluation?year=2026", a.0)), &admin, None);
        assert_eq!(st, 200, "{ev}");
        assert!(ev.to_string().contains("\"addicts_with_records\":5"), "the evaluation reads the accepted figures: {ev}");
        let (st, rows) = call("POST", &u("/api/sql?format=json"), &admin, Some(json!({ "sql": format!("SELECT addicts_with_records, resident_population FROM indicator WHERE unit_id = {} AND year = 2026", a.0) })));
        assert_eq!(st, 200, "{rows}");
        assert!(rows.to_string().contains("8200") && rows.to_string().contains('5'), "{rows}");
        let (_, audit) = call("GET", &u("/api/admin/audit?action=review_accept"), &admin, None);
        assert!(audit.to_string().contains("reviewer-98"), "the acceptance is in the audit log with who did it: {audit}");
    }

    #[test]
    fn over_http_the_approver_approves_and_the_report_and_its_workbook_say_what_the_api_says() {
        use calamine::Reader;
        use std::collections::BTreeSet;
        let dir = tempfile::tempdir().unwrap();
        let db = demo_store(dir.path());
        let communes = common::current_communes(&db, "98");
        let admin = add_user(&db, "admin1", "admin", "*");
        let approver = add_user(&db, "ubnd-98", "approver", "98");
        let other = add_user(&db, "ubnd-99", "approver", "99");
        let reviewer = add_user(&db, "reviewer-98", "reviewer", "98");
        let server = common::serve_with(&db, &["--require-login"]);
        let u = |path: &str| format!("{}{path}", server.base);
        body_of(call("POST", &u("/api/review/periods"), &admin, Some(json!({ "year": 2026, "province_code": "98" }))));
        for (i, &unit) in communes.iter().take(4).enumerate() {
            let s = body_of(call("PUT", &u(&format!("/api/review/periods/1/communes/{unit}")), &admin, Some(json!({ "version": 0, "figures": figures(i as i64 * 20).figures, "self_key_type": "none" }))));
            let id = s["submission"]["id"].as_i64().unwrap();
            body_of(call("POST", &u(&format!("/api/review/submissions/{id}/submit")), &admin, Some(json!({ "version": 1 }))));
            body_of(call("POST", &u(&format!("/api/review/submissions/{id}/accept")), &reviewer, Some(json!({ "version": 2 }))));
        }
        let signed = json!({ "decision_no": "1201/QĐ-UBND", "decision_date": "2026-12-18", "signer": "Nguyễn Văn A" });
        let (st, _) = call("POST", &u("/api/review/periods/1/provinces/98/approve"), &reviewer, Some(signed.clone()));
        assert_eq!(st, 403, "a reviewer does not approve");
        let (st, _) = call("POST", &u("/api/review/periods/1/provinces/98/approve"), &other, Some(signed.clone()));
        assert_eq!(st, 403, "province 99's People's Committee does not approve 98's lists");
        let lists = body_of(call("POST", &u("/api/review/periods/1/provinces/98/approve"), &approver, Some(signed.clone())))["lists"].clone();
        assert_eq!(lists["approved"], true);
        let (st, _) = call("POST", &u("/api/review/periods/1/provinces/98/approve"), &approver, Some(json!({ "decision_no": "1202/QĐ-UBND", "decision_date": "2026-12-19", "signer": "B" })));
        assert_eq!(st, 409, "approved once; a change is an amendment");
        let (_, audit) = call("GET", &u("/api/admin/audit?action=review_approve"), &admin, None);
        assert!(audit.to_string().contains("ubnd-98") && audit.to_string().contains("1201/QĐ-UBND"), "{audit}");

        // The workbook: every sheet opens, the lists and the counts are the API's.
        let get = |path: &str| {
            let mut r = agent().get(&u(path)).header("Authorization", &format!("Bearer {approver}")).call().unwrap();
            assert_eq!(r.status().as_u16(), 200, "{path}");
            r.body_mut().read_to_vec().unwrap()
        };
        let bytes = get("/api/review/periods/1/provinces/98/report.xlsx");
        let mut wb: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(wb.sheet_names(), ["Tổng hợp", "Chuyển hóa", "Điều 5", "Tiến độ", "Danh sách"]);
        let cells = |wb: &mut calamine::Xlsx<std::io::Cursor<Vec<u8>>>, sheet: &str| -> Vec<Vec<String>> {
            wb.worksheet_range(sheet).unwrap().rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect()
        };
        let listed = cells(&mut wb, "Danh sách");
        let entries = lists["entries"].as_array().unwrap();
        assert_eq!(listed.len(), entries.len() + 1, "a header and one row per entry");
        let name = |l: &serde_json::Value| match l.as_str() { Some("I") => "Loại I", Some("II") => "Loại II", Some("III") => "Loại III", Some("drug_free") => "Không ma túy", _ => "Không thuộc danh sách" };
        for (row, e) in listed[1..].iter().zip(entries) {
            assert_eq!((row[0].as_str(), row[1].as_str(), row[2].as_str()), (e["code"].as_str().unwrap(), e["name"].as_str().unwrap(), name(&e["list"])));
        }
        let summary = cells(&mut wb, "Tổng hợp");
        for (row, l) in summary[1..5].iter().zip(["I", "II", "III", "drug_free"]) {
            let now = entries.iter().filter(|e| e["list"] == l).count();
            assert_eq!(row[2], now.to_string(), "{l}: {row:?}");
        }
        assert_eq!(summary[5][2], lists["not_assessed"].as_array().unwrap().len().to_string());
        // Progress counts the approved drug-free communes, and only them (nothing carried over).
        let progress = cells(&mut wb, "Tiến độ");
        let row = progress.iter().find(|r| r[0] == "2026").unwrap();
        assert_eq!(row[2], entries.iter().filter(|e| e["list"] == "drug_free").count().to_string(), "{row:?}");
        // The PDF report: the same counts in its first page's text.
        let pdf = get("/api/review/periods/1/provinces/98/report.pdf");
        let path = dir.path().join("report.pdf");
        std::fs::write(&path, &pdf).unwrap();
        crate::common::ensure_apt("poppler-utils", "pdftotext");
        let out = std::process::Command::new("pdftotext").args(["-layout", "-f", "1", "-l", "1"]).arg(&path).arg("-").output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("1201/QĐ-UBND") && text.contains("Bộ Công an"), "{text}");
        for row in &summary[1..5] {
            let line = text.lines().find(|l| l.trim_start().starts_with(row[0].as_str())).unwrap_or_else(|| panic!("{} in the report: {text}", row[0]));
            let numbers: Vec<&str> = line.split_whitespace().filter(|w| w.parse::<f64>().is_ok()).collect();
            assert_eq!(numbers.get(1).copied(), Some(row[2].as_str()), "{line}");
        }
        let (st, _) = call("GET", &u("/api/review/periods/1/provinces/98/report.xlsx"), &other, None);
        assert_eq!(st, 403);

        // Year over year: the approved statuses by default, the figures alone on request.
        for (q, want) in [("", "approved"), ("&statuses=computed", "computed")] {
            let body = body_of(call("GET", &u(&format!("/api/conversion?from=2025&to=2026{q}")), &approver, None));
            assert_eq!(body["statuses"], want);
            let ch = body_of(call("GET", &u(&format!("/api/choropleth?metric=conversion&year=2026{q}")), &approver, None));
            assert_eq!(ch["statuses"], want);
        }
        let (st, body) = call("GET", &u("/api/conversion?from=2025&to=2026&statuses=official"), &approver, None);
        assert_eq!(st, 400, "{body}");

        // The Ministry sees 98 as reported (with its decision) and 99 not; approves 98's
        // province-level result once; the national lists are 98's approved entries.
        let ministry = add_user_after_start(&server.base, &admin, "bca", "ministry", "*");
        let (st, _) = call("GET", &u("/api/review/national?year=2026"), &approver, None);
        assert_eq!(st, 403, "a province's approver has no national view");
        let view = body_of(call("GET", &u("/api/review/national?year=2026"), &ministry, None))["national"].clone();
        let p98 = view["provinces"].as_array().unwrap().iter().find(|p| p["province_code"] == "98").unwrap().clone();
        let p99 = view["provinces"].as_array().unwrap().iter().find(|p| p["province_code"] == "99").unwrap().clone();
        assert_eq!(p98["reported"][0], "1201/QĐ-UBND", "{p98}");
        assert!(p99["reported"].is_null(), "{p99}");
        assert_eq!(view["reported"], 1);
        let free = entries.iter().filter(|e| e["list"] == "drug_free").count();
        assert_eq!((p98["drug_free"].as_u64(), view["target_2030_pct"].as_f64()), (Some(free as u64), Some(50.0)), "98: its approved drug-free list: {view}");
        let total: u64 = view["provinces"].as_array().unwrap().iter().map(|p| p["drug_free"].as_u64().unwrap()).sum();
        assert_eq!(view["drug_free"].as_u64(), Some(total), "the national count is the provinces' sum");
        let decision = json!({ "decision_no": "345/QĐ-BCA", "decision_date": "2026-12-28", "signer": "Trần Văn B", "key_area": false, "drug_free": false, "route_scope": "inter_provincial" });
        let (st, _) = call("POST", &u("/api/review/national/2026/provinces/98/approve"), &approver, Some(decision.clone()));
        assert_eq!(st, 403, "the province does not approve itself");
        let (st, body) = call("POST", &u("/api/review/national/2026/provinces/99/approve"), &ministry, Some(decision.clone()));
        assert_eq!(st, 404, "no review of 99 was opened, so it cannot have reported: {body}");
        body_of(call("POST", &u("/api/review/national/2026/provinces/98/approve"), &ministry, Some(decision.clone())));
        let (st, _) = call("POST", &u("/api/review/national/2026/provinces/98/approve"), &ministry, Some(decision));
        assert_eq!(st, 409, "once per province and year");
        let view = body_of(call("GET", &u("/api/review/national?year=2026"), &ministry, None))["national"].clone();
        let p98 = view["provinces"].as_array().unwrap().iter().find(|p| p["province_code"] == "98").unwrap().clone();
        assert_eq!((p98["ministry"]["decision_no"].as_str(), p98["ministry"]["route_scope"].as_str()), (Some("345/QĐ-BCA"), Some("inter_provincial")));
        let mut r = agent().get(&u("/api/review/national/2026/lists.csv")).header("Authorization", &format!("Bearer {ministry}")).call().unwrap();
        let csv = r.body_mut().read_to_string().unwrap();
        let codes: BTreeSet<String> = csv.lines().skip(1).map(|l| l.split(',').nth(1).unwrap().to_string()).collect();
        let want: BTreeSet<String> = entries.iter().map(|e| e["code"].as_str().unwrap().to_string()).collect();
        assert_eq!(codes, want, "the national lists are the approved entries");
        // The province view shows the Ministry's approval beside the figures' result.
        let pc = body_of(call("GET", &u("/api/provinces/classification?year=2026"), &ministry, None));
        let p98 = pc["provinces"].as_array().unwrap().iter().find(|p| p["province_code"] == "98").unwrap().clone();
        assert_eq!((p98["approved"]["decision_no"].as_str(), p98["approved"]["key_area"].as_bool()), (Some("345/QĐ-BCA"), Some(false)), "{p98}");
        let p99 = pc["provinces"].as_array().unwrap().iter().find(|p| p["province_code"] == "99").unwrap().clone();
        assert!(p99["approved"].is_null());
        // The national PDF: every reported province's annex (here 98's alone).
        let mut r = agent().get(&u("/api/review/national/2026/lists.pdf")).header("Authorization", &format!("Bearer {ministry}")).call().unwrap();
        assert_eq!(r.status().as_u16(), 200);
        let path = dir.path().join("national.pdf");
        std::fs::write(&path, r.body_mut().read_to_vec().unwrap()).unwrap();
        crate::common::ensure_apt("poppler-utils", "pdftotext");
        let out = std::process::Command::new("pdftotext").arg(&path).arg("-").output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("1201/QĐ-UBND"), "{text}");
        for code in &want {
            assert!(text.contains(&format!("({code})")), "{code} in the national PDF");
        }
    }

    /// A user made through the running server's admin API (the store is the server's now).
    fn add_user_after_start(base: &str, admin: &str, name: &str, role: &str, scope: &str) -> String {
        let (st, body) = call("POST", &format!("{base}/api/admin/users"), admin, Some(json!({ "name": name, "role": role, "scope": scope })));
        assert_eq!(st, 200, "{body}");
        body["token"].as_str().unwrap_or_else(|| panic!("a token: {body}")).to_string()
    }

    fn body_of((st, body): (u16, serde_json::Value)) -> serde_json::Value {
        assert_eq!(st, 200, "{body}");
        body
    }
}

mod approval {
    use super::*;
    use commune_atlas::analytics::{self, Snapshot};
    use commune_atlas::review::approval::{self, List, Override, Signed};
    use commune_atlas::rules::Rules;
    use commune_atlas::store::units::Directory;
    use std::collections::{BTreeMap, BTreeSet, HashMap};

    fn snapshot(store: &Store) -> Snapshot {
        analytics::refresh(store, &Rules::embedded().unwrap()).unwrap().1
    }

    /// Draft, submit and accept `unit`'s figures for `period`.
    fn accepted(store: &Store, period: i32, unit: i64, draft: &Draft) {
        let d = review::save_draft(store, period, unit, 0, draft, "officer").unwrap();
        let s = review::submit(store, d.id, d.version, "officer").unwrap();
        review::accept(store, s.id, s.version, "reviewer").unwrap();
    }

    fn signed(no: &str, day: u32) -> Signed {
        Signed { decision_no: no.into(), decision_date: NaiveDate::from_ymd_opt(2026, 12, day).unwrap(), signer: "Nguyễn Văn A".into() }
    }

    fn status(snap: &Snapshot, unit: i64, year: i32) -> String {
        snap.classified.get(&(unit, year)).map(|c| c.status.status.as_str().to_string()).unwrap_or_else(|| "none".into())
    }

    fn text_of_pdf(pdf: &[u8]) -> String {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("annex.pdf");
        std::fs::write(&path, pdf).unwrap();
        crate::common::ensure_apt("poppler-utils", "pdftotext");
        let out = std::process::Command::new("pdftotext").args(["-layout"]).arg(&path).arg("-").output().expect("pdftotext (poppler-utils) reads the annex");
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap()
    }

    /// The lists in force as (unit → list), dropping "on no list".
    fn on_lists(l: &approval::Lists) -> HashMap<i64, List> {
        l.entries.iter().filter_map(|e| e.list.filter(|x| *x != List::None).map(|x| (e.unit_id, x))).collect()
    }

    #[test]
    fn the_province_approves_two_years_of_lists_with_an_override_and_an_amendment_and_the_annex_lists_exactly_them() {
        let (_d, store) = store();
        let units = Directory::load(&store).unwrap();
        let u: Vec<i64> = (1..=6).map(|k| unit(&store, &format!("9800{k}"))).collect();
        let p1 = review::open_period(&store, 2026, Some("98"), None, "admin").unwrap();
        for (i, addicts) in [(0, 0), (1, 4), (2, 9)] {
            accepted(&store, p1.id, u[i], &figures(addicts));
        }
        // One still waits for the reviewer, one is a draft, one never started.
        let d = review::save_draft(&store, p1.id, u[3], 0, &figures(2), "officer").unwrap();
        let waiting = review::submit(&store, d.id, d.version, "officer").unwrap();
        review::save_draft(&store, p1.id, u[4], 0, &figures(1), "officer").unwrap();

        let snap = snapshot(&store);
        let proposal = approval::lists(&store, &snap, &units, p1.id, "98").unwrap();
        assert!(!proposal.approved);
        assert_eq!(proposal.entries.len(), 3);
        assert_eq!(proposal.pending, 1);
        let states: BTreeSet<&str> = proposal.not_assessed.iter().map(|n| n.state.as_str()).collect();
        assert_eq!(states, BTreeSet::from(["draft", "not_started", "submitted"]), "the communes not accepted are not assessed, whatever their state");
        for e in &proposal.entries {
            assert_eq!(e.list, e.computed, "the proposal is what the figures give");
            let want = approval::List::of_status(snap.rules.status.decide(None, None, snap.classified[&(e.unit_id, 2026)].evaluation.as_ref()).status);
            assert_eq!(e.computed, want, "and what the map computes");
        }
        let refused = approval::approve(&store, &snap, &units, p1.id, "98", &signed("1201/QĐ-UBND", 18), &[], "approver").unwrap_err();
        assert!(refused.to_string().contains("still wait for review"), "{refused}");
        review::accept(&store, waiting.id, waiting.version, "reviewer").unwrap();

        // Approved with one departure from the figures, and its reason.
        let snap = snapshot(&store);
        let reason = "Kết quả kiểm tra thực tế của Công an tỉnh";
        let no_reason = approval::approve(&store, &snap, &units, p1.id, "98", &signed("1201/QĐ-UBND", 18), &[Override { unit_id: u[1], list: List::II, reason: " ".into() }], "approver").unwrap_err();
        assert!(no_reason.to_string().contains("needs a reason"), "{no_reason}");
        let first = approval::approve(&store, &snap, &units, p1.id, "98", &signed("1201/QĐ-UBND", 18), &[Override { unit_id: u[1], list: List::II, reason: reason.into() }], "approver").unwrap();
        assert!(first.approved);
        assert_eq!(first.entries.len(), 4);
        let e1 = first.entries.iter().find(|e| e.unit_id == u[1]).unwrap();
        assert_eq!((e1.list, e1.override_reason.as_deref()), (Some(List::II), Some(reason)));
        assert_eq!(review::period_by_id(&store, p1.id).unwrap().state, PeriodState::Approved);
        // The map now shows the approved statuses: the override's type II, from the official act.
        let snap = snapshot(&store);
        assert_eq!(status(&snap, u[1], 2026), "type_ii");
        assert_eq!(snap.classified[&(u[1], 2026)].status.basis.as_str(), "official");
        assert_eq!(count(&store, "review_decision_entry"), 4);
        // Nothing more is taken for the approved period, and a second approval is refused.
        let late = review::save_draft(&store, p1.id, u[4], 1, &figures(0), "officer").unwrap_err();
        assert!(late.to_string().contains("approved"), "{late}");
        let again = approval::approve(&store, &snap, &units, p1.id, "98", &signed("1202/QĐ-UBND", 19), &[], "approver").unwrap_err();
        assert!(again.to_string().contains("amendment"), "{again}");

        // An amendment under its own decision: both stay in the history, the map follows.
        let amended = approval::amend(&store, &snap, &units, p1.id, "98", &signed("1250/QĐ-UBND", 26), &[Override { unit_id: u[2], list: List::DrugFree, reason: "Đủ điều kiện sau khi xác minh lại".into() }], "approver").unwrap();
        assert_eq!(amended.decisions.iter().map(|d| (d.kind.as_str(), d.decision_no.as_str())).collect::<Vec<_>>(), [("approval", "1201/QĐ-UBND"), ("amendment", "1250/QĐ-UBND")]);
        assert_eq!(amended.entries.iter().find(|e| e.unit_id == u[2]).unwrap().list, Some(List::DrugFree));
        let snap = snapshot(&store);
        assert_eq!(status(&snap, u[2], 2026), "drug_free");
        let year1 = on_lists(&amended);

        // The annex of the approval lists exactly its entries, with the override and its reason.
        let pages = commune_atlas::render::annex::pages(&first, None, false, false).unwrap();
        let text = text_of_pdf(&commune_atlas::render::pdf_pages(&pages).unwrap());
        assert!(text.contains("Kèm theo Quyết định số 1201/QĐ-UBND ngày 18 tháng 12 năm 2026"), "{text}");
        for e in &first.entries {
            assert_eq!(text.matches(&format!("({})", e.code)).count(), 1, "{} listed once: {text}", e.code);
        }
        for n in &first.not_assessed {
            assert!(!text.contains(&format!("({})", n.code)), "{} is not assessed and not listed", n.code);
        }
        // The reason wraps in its column: compare without the spacing.
        let squeezed: String = text.split_whitespace().collect();
        assert!(squeezed.contains("Điềuchỉnhsovớisốliệu:KếtquảkiểmtrathựctếcủaCôngantỉnh"), "the override's reason is printed: {text}");
        assert!(text.contains("Trang 1/"), "page numbers");
        let amendment = commune_atlas::render::annex::pages(&amended, Some(amended.decisions[1].id), false, false).unwrap();
        let text = text_of_pdf(&commune_atlas::render::pdf_pages(&amendment).unwrap());
        assert!(text.contains("SỬA ĐỔI") && text.contains("1250/QĐ-UBND") && text.contains(&format!("({})", first.entries.iter().find(|e| e.unit_id == u[2]).unwrap().code)), "{text}");

        // The next year: different figures; the changes are the difference of the two approved lists.
        let p2 = review::open_period(&store, 2027, Some("98"), None, "admin").unwrap();
        for (i, addicts) in [(0, 30), (1, 0), (2, 9), (5, 1)] {
            accepted(&store, p2.id, u[i], &figures(addicts));
        }
        let snap = snapshot(&store);
        let second = approval::approve(&store, &snap, &units, p2.id, "98", &signed("1190/QĐ-UBND", 17), &[], "approver").unwrap();
        assert_eq!(second.previous_source, "approved");
        let year2 = on_lists(&second);
        let mut want_on: BTreeMap<List, BTreeSet<i64>> = BTreeMap::new();
        let mut want_off: BTreeMap<List, BTreeSet<i64>> = BTreeMap::new();
        for &unit in &u {
            let (a, b) = (year1.get(&unit), year2.get(&unit));
            if a != b {
                if let Some(l) = b { want_on.entry(*l).or_default().insert(unit); }
                if let Some(l) = a { want_off.entry(*l).or_default().insert(unit); }
            }
        }
        let got = |m: &approval::ByList| m.iter().map(|(l, v)| (*l, v.iter().map(|c| c.unit_id).collect::<BTreeSet<_>>())).collect::<BTreeMap<_, _>>();
        assert_eq!(got(&second.put_on), want_on, "put on the lists");
        assert_eq!(got(&second.taken_off), want_off, "taken off the lists");
        assert!(!want_on.is_empty() || !want_off.is_empty(), "the second year changes something");
        // u[3] was on a list in 2026 and is not assessed in 2027: taken off, never carried over.
        if let Some(l) = year1.get(&u[3]) {
            assert!(second.taken_off[l].iter().any(|c| c.unit_id == u[3] && c.to.is_none()));
            assert_eq!(status(&snapshot(&store), u[3], 2027), "none", "no status is carried over to 2027");
        }
        // Year over year on the approved lists (the default) or on the figures alone: commune 2
        // was put on type II against its figures in 2026 and is drug-free in 2027.
        let snap = snapshot(&store);
        let by_key = snap.by_key();
        let conv = |statuses| analytics::conversion::one(&snap.rules, &snap.facts, &by_key, u[1], 2026, 2027, false, statuses).unwrap();
        let (approved, computed) = (conv(analytics::conversion::Statuses::Approved), conv(analytics::conversion::Statuses::Computed));
        assert_eq!((approved.from_status.map(|s| s.as_str()), approved.conversion.as_str()), (Some("type_ii"), "converted_to_drug_free"), "{approved:?}");
        assert_eq!(computed.from_status.map(|s| s.as_str()), Some("drug_free_candidate"), "{computed:?}");
        assert_ne!(approved.conversion, computed.conversion, "the two readings differ here, and each says which it is");

        let steps: Vec<String> = store.connect().unwrap().prepare("SELECT action FROM review_event WHERE action IN ('approve', 'amend') ORDER BY id").unwrap().query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
        assert_eq!(steps, ["approve", "amend", "approve"], "every decision in the audit trail");
    }
}
