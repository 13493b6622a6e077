//! Request extractors whose refusals are JSON like every other error: [`Query`], [`Path`] and
//! [`Json`] wrap axum's own and turn their rejections ("Failed to deserialize query string: missing
//! field `province`", a body that is not JSON, a body over the size limit) into an [`ApiError`]
//! with the same status and message. [`Json`] also answers as JSON, like `axum::Json`.

use axum::extract::rejection::{BytesRejection, JsonRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::error::ApiError;

fn refused(status: StatusCode, message: String) -> ApiError {
    let code = match status {
        StatusCode::PAYLOAD_TOO_LARGE => "too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::NOT_FOUND => "not_found",
        s if s.is_server_error() => "internal",
        _ => "bad_request",
    };
    if status.is_server_error() {
        return ApiError::internal(message);
    }
    ApiError::new(status, code, message)
}

/// An extractor from the request head wrapping axum's own, refusing with an [`ApiError`].
macro_rules! parts_extractor {
    ($(#[$doc:meta])* $name:ident, $inner:path, $($bound:tt)+) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, Default)]
        pub struct $name<T>(pub T);

        impl<T: $($bound)+, S: Send + Sync> FromRequestParts<S> for $name<T> {
            type Rejection = ApiError;
            async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
                match <$inner>::from_request_parts(parts, state).await {
                    Ok(v) => Ok($name(v.0)),
                    Err(r) => Err(refused(r.status(), r.body_text())),
                }
            }
        }
    };
}

parts_extractor!(
    /// The query string, deserialised.
    Query, axum::extract::Query<T>, DeserializeOwned
);
parts_extractor!(
    /// Path segments, deserialised.
    Path, axum::extract::Path<T>, DeserializeOwned + Send
);

/// A JSON request body, deserialised; as an answer, `T` serialised as JSON.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(j) => Ok(Json(j.0)),
            Err(r) => Err(json_rejection(r)),
        }
    }
}

fn json_rejection(r: JsonRejection) -> ApiError {
    refused(r.status(), r.body_text())
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// A raw request body (imports), refused as JSON when it is too large or cannot be read.
#[derive(Debug, Clone)]
pub struct Body(pub axum::body::Bytes);

impl<S: Send + Sync> FromRequest<S> for Body {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match axum::body::Bytes::from_request(req, state).await {
            Ok(b) => Ok(Body(b)),
            Err(r) => Err(bytes_rejection(r)),
        }
    }
}

fn bytes_rejection(r: BytesRejection) -> ApiError {
    refused(r.status(), r.body_text())
}
