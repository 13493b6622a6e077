//! HTTP errors: every failure is a JSON body `{ "error": { "status", "code", "message", … } }`
//! with a status that says whose fault it is; `messages.vi` says it in Vietnamese when the
//! catalogue has it ([`super::messages`]), and each problem of a rejected input may carry a
//! `reason_vi` beside its `reason`.
//!
//! A failure inside the service (the store, a file, damaged stored data, a worker thread) never
//! shows its detail to the client — DuckDB's text and server paths stay in the log. The client
//! gets `{"code": "internal", "message": "internal error, reference <id>"}` and the log line
//! carries the same reference with the detail, so an administrator can find it.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::error::Error;

/// An error on its way to the client.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub details: Option<serde_json::Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError { status, code, message: message.into(), details: None }
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// An internal failure: the detail goes to the log under a new reference, the client gets
    /// only the reference.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        let reference = reference();
        // One line per error, so a log collector keeps the detail with its reference.
        let detail = detail.to_string().split_whitespace().collect::<Vec<_>>().join(" ");
        tracing::error!(reference = %reference, "internal error: {detail}");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", format!("internal error, reference {reference}"))
    }
}

/// A short reference for one internal error: random, so references never repeat across restarts.
fn reference() -> String {
    let mut b = [0u8; 6];
    if getrandom::fill(&mut b).is_err() {
        // No randomness: the time still tells errors apart in the log.
        let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        b.copy_from_slice(&t.to_le_bytes()[..6]);
    }
    b.iter().map(|x| format!("{x:02x}")).collect()
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        match e {
            Error::Rejected(p) => ApiError {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                code: "rejected",
                message: format!("the input was rejected: {} problem(s); nothing was imported", p.total),
                details: serde_json::to_value(&p).ok(),
            },
            Error::Refused(m) => ApiError::new(StatusCode::CONFLICT, "conflict", m),
            Error::Conflict(m) => ApiError::new(StatusCode::CONFLICT, "stale_version", m),
            Error::Forbidden(m) => ApiError::new(StatusCode::FORBIDDEN, "forbidden", m),
            Error::NotFound(m) => ApiError::new(StatusCode::NOT_FOUND, "not_found", m),
            Error::InvalidArgument(m) => ApiError::new(StatusCode::BAD_REQUEST, "bad_request", m),
            internal @ (Error::Store { .. } | Error::Io { .. } | Error::Corrupt(_) | Error::Internal(_)) => ApiError::internal(internal),
        }
    }
}

impl From<tokio::task::JoinError> for ApiError {
    fn from(e: tokio::task::JoinError) -> Self {
        ApiError::internal(format!("worker task failed: {e}"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({
            "error": { "status": self.status.as_u16(), "code": self.code, "message": self.message }
        });
        // The message in Vietnamese too, when the catalogue has it (the client shows the page's).
        if let Some(vi) = super::messages::vi(&self.message) {
            body["error"]["messages"] = json!({ "vi": vi });
        }
        if let Some(mut d) = self.details {
            super::messages::add_reasons_vi(&mut d);
            body["error"]["details"] = d;
        }
        (self.status, Json(body)).into_response()
    }
}

/// Handler result.
pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::{Problem, Problems};

    async fn body(e: ApiError) -> serde_json::Value {
        let bytes = axum::body::to_bytes(e.into_response().into_body(), usize::MAX).await.expect("body");
        serde_json::from_slice(&bytes).expect("JSON")
    }

    /// The officer's form shows a problem beside its field, in the page's language.
    #[tokio::test]
    async fn a_rejected_input_says_each_known_problem_in_vietnamese_beside_the_english() {
        let mut p = Problems::default();
        for reason in ["plants_destroyed_count is above 0 but plant_cases is 0", "a reason nobody translated"] {
            p.push(Problem { file: "form".into(), line: 2, column: 9, feature: None, sheet: None, cell: None, field: Some("plant_cases".into()), reason: reason.into() });
        }
        let b = body(Error::Rejected(p).into()).await;
        assert_eq!(b["error"]["code"], "rejected");
        assert_eq!(b["error"]["messages"]["vi"], "Dữ liệu bị từ chối: 2 lỗi; chưa có gì được nhập.");
        let items = &b["error"]["details"]["items"];
        assert_eq!(items[0]["reason_vi"], "Số cây có chất ma túy bị phá lớn hơn 0 nhưng số vụ trồng cây có chứa chất ma túy là 0.");
        assert_eq!(items[0]["reason"], "plants_destroyed_count is above 0 but plant_cases is 0", "the English stays");
        assert!(items[1].get("reason_vi").is_none(), "{items}");
    }
}
