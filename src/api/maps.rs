//! `GET /api/maps/{view}.{svg|png|pdf}?year=&province=&metric=&method=&classes=&breaks=&from=&lang=`
//! — a printable static map (A4 landscape; PNG at 300 dpi) with the web map's classes, colours
//! and legend, for the units in the user's scope.

use axum::extract::{Extension, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::extract::{Path, Query};
use super::AppState;
use super::error::{ApiError, ApiResult};
use crate::access::Principal;
use crate::analytics::choropleth::{Method, Spec};
use crate::render::{self, Format, MapRequest, View};

/// The query (fields spelled out: serde's `flatten` loses number parsing in query strings).
#[derive(Debug, Deserialize)]
pub struct MapQuery {
    pub province: Option<String>,
    pub lang: Option<String>,
    pub year: Option<i32>,
    pub from: Option<i32>,
    pub metric: Option<String>,
    pub method: Option<Method>,
    pub classes: Option<usize>,
    pub breaks: Option<String>,
}

pub async fn map(State(state): State<AppState>, Extension(p): Extension<Principal>, Path(file): Path<String>, Query(q): Query<MapQuery>) -> ApiResult<Response> {
    let (view, ext) = file.rsplit_once('.').ok_or_else(|| ApiError::not_found(format!("no such map: {file} (use e.g. status.png)")))?;
    let format = Format::parse(ext)?;
    let view: View = view.parse().map_err(|e: crate::Error| ApiError::not_found(format!("no such map: {e}")))?;
    if let Some(code) = q.province.as_deref()
        && !p.scope.province(Some(code))
    {
        return Err(p.scope.refuse(&format!("province {code}")).into());
    }
    let spec = Spec { year: q.year, from: q.from, metric: q.metric, method: q.method, classes: q.classes, breaks: q.breaks, ..Spec::default() };
    let req = MapRequest { view, spec, province: q.province, english: q.lang.as_deref() == Some("en"), format };
    let st = state.clone();
    let bytes = tokio::task::spawn_blocking(move || {
        let names = |code: &str| st.units().province_name(code).map(String::from);
        render::render(&st.snapshot(), &st.tiles(), &req, &|id| p.scope.unit(id), &names, st.demo)
    })
    .await??;
    let name = format!("attachment; filename=\"{view}.{ext}\"");
    Ok(([(header::CONTENT_TYPE, format.content_type().to_string()), (header::CONTENT_DISPOSITION, name)], bytes).into_response())
}

#[derive(Debug, Deserialize)]
pub struct ReportQuery {
    pub year: Option<i32>,
    pub lang: Option<String>,
}

/// `GET /api/reports/{province}.{pdf|svg}?year=&lang=` — the province report; plans and
/// candidates are in it for leaders and above.
pub async fn report(State(state): State<AppState>, Extension(p): Extension<Principal>, Path(file): Path<String>, Query(q): Query<ReportQuery>) -> ApiResult<Response> {
    let (code, ext) = file.rsplit_once('.').ok_or_else(|| ApiError::not_found(format!("no such report: {file} (use e.g. 98.pdf)")))?;
    if ext != "pdf" && ext != "svg" {
        return Err(ApiError::bad_request(format!("a report is pdf or svg, not '{ext}'")));
    }
    if !p.scope.province(Some(code)) {
        return Err(p.scope.refuse(&format!("province {code}")).into());
    }
    let name = state.units().province_name(code).map(String::from)
        .ok_or_else(|| ApiError::not_found(format!("no province with code '{code}'")))?;
    let st = state.clone();
    let (code, ext_s) = (code.to_string(), ext.to_string());
    let plans = p.may(crate::access::Role::Leader);
    let bytes = tokio::task::spawn_blocking(move || {
        let s = st.snapshot();
        let year = q.year.or_else(|| s.years().last().copied()).ok_or_else(|| crate::Error::NotFound("no indicators yet".into()))?;
        let req = render::report::ReportRequest { province: code, province_name: name, year, english: q.lang.as_deref() == Some("en"), demo: st.demo, plans };
        let svg = render::report::svg(&st.store, &s, &st.tiles(), &req)?;
        if ext_s == "svg" { Ok(svg.into_bytes()) } else { render::pdf(&svg) }
    })
    .await??;
    let ctype = if ext == "svg" { "image/svg+xml" } else { "application/pdf" };
    let disposition = format!("attachment; filename=\"report-{file}\"");
    Ok(([(header::CONTENT_TYPE, ctype.to_string()), (header::CONTENT_DISPOSITION, disposition)], bytes).into_response())
}

#[derive(Debug, Deserialize)]
pub struct StyleQuery {
    pub lang: Option<String>,
}

/// `GET /api/styles/{view}.{qml|sld}?lang=en` — the view's classes (`status`, `key_type`,
/// `conversion`) as a QGIS style or an SLD, colours and labels as in the web legend, for the
/// attribute the exports and collections carry (`status`, `key_type`, `conversion`).
pub async fn style(Path(file): Path<String>, Query(q): Query<StyleQuery>) -> ApiResult<impl IntoResponse> {
    use crate::render::styles::{self, StyleFormat};
    let (view, ext) = file.rsplit_once('.').ok_or_else(|| ApiError::not_found(format!("'{file}': ask for status.qml, status.sld, conversion.qml, key_type.sld …")))?;
    let format: StyleFormat = ext.parse()?;
    let metric: crate::analytics::choropleth::Metric = view.parse()?;
    let en = q.lang.as_deref() == Some("en");
    let (body, ctype) = match format {
        StyleFormat::Qml => (styles::qml(&metric, en)?, "application/xml; charset=utf-8"),
        StyleFormat::Sld => (styles::sld(&metric, en)?, "application/vnd.ogc.sld+xml; charset=utf-8"),
    };
    Ok(([(header::CONTENT_TYPE, ctype.to_string()), (header::CONTENT_DISPOSITION, format!("attachment; filename=\"commune-atlas-{file}\""))], body))
}
