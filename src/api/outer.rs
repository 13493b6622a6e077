//! The layer every answer passes through, wrapped once around the whole router: the request
//! counted and logged ([`super::metrics`]), every error made JSON, the security headers added.
//! One tower service with its own future (no boxed service per request), because every tile
//! answer, the busiest path, goes through it.
//!
//! It also takes the busiest route's requests itself: a `GET /tiles/{layer}/{z}/{x}/{y}` goes
//! straight to its handler ([`super::tiles::tile`], its future boxed once), not through the
//! router's matching, path parameters (two shared strings each) and boxed route. The router
//! keeps the route, so the documentation, `HEAD`, the 405 for other methods and the odd paths
//! [`super::tiles::is_xyz`] leaves to it (an empty segment) are unchanged, and both lead to the
//! same handler (`tests/serve.rs` compares a GET with a HEAD). Unlike the router, this way adds
//! no `content-length: 0` to a 204 or 304; hyper gives a 200 its length on the wire.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tower::Service;

use super::metrics::{InFlight, Metrics};
use super::{ApiError, AppState, BODY_LIMIT, IMPORT_BODY_LIMIT, REQUEST_TIMEOUT};

/// The router wrapped: see the module's doc.
#[derive(Clone)]
pub struct Outer<S> {
    state: AppState,
    inner: S,
}

impl<S> Outer<S> {
    pub fn new(state: AppState, inner: S) -> Outer<S> {
        Outer { state, inner }
    }
}

impl<S> Service<Request> for Outer<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Answer<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        // Asked even when `call` then answers a tile without it: the router is always ready and
        // reserves nothing.
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let tracked = Some(Metrics::begin(&self.state, &req));
        let inner = if req.method() == Method::GET && super::tiles::is_xyz(req.uri().path()) {
            Route::Tile { tile: Box::pin(super::tiles::tile(State(self.state.clone()), req)) }
        } else {
            Route::Router { inner: self.inner.call(req) }
        };
        Answer { inner, tracked }
    }
}

/// A tile's answer on its way (the handler's future, boxed once).
type TileFuture = Pin<Box<dyn Future<Output = Response> + Send>>;

pin_project_lite::pin_project! {
    /// Who answers: the tile handler directly, or the router.
    #[project = RouteProj]
    pub enum Route<F> {
        Tile { tile: TileFuture },
        Router { #[pin] inner: F },
    }
}

pin_project_lite::pin_project! {
    /// The inner answer, finished when it is ready.
    pub struct Answer<F> {
        #[pin]
        inner: Route<F>,
        tracked: Option<InFlight>,
    }
}

impl<F> Future for Answer<F>
where
    F: Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let resp = match this.inner.project() {
            RouteProj::Tile { tile } => ready!(tile.as_mut().poll(cx)),
            RouteProj::Router { inner } => {
                let Ok(resp) = ready!(inner.poll(cx));
                resp
            }
        };
        let resp = security_headers(json_errors(resp));
        if let Some(t) = this.tracked.take() {
            t.end(&resp);
        }
        Poll::Ready(Ok(resp))
    }
}

/// The last word on errors: a refusal made below the handlers (the request timeout's 408, a body
/// limit, anything not from an [`ApiError`]) that is not JSON becomes one, with the status's
/// reason as the message; every error a client sees has the same shape.
fn json_errors(resp: Response) -> Response {
    let status = resp.status();
    let json = resp.headers().get(header::CONTENT_TYPE).is_some_and(|t| t.as_bytes().starts_with(b"application/json"));
    if !(status.is_client_error() || status.is_server_error()) || json {
        return resp;
    }
    let message = match status {
        StatusCode::REQUEST_TIMEOUT => format!("the request took longer than {} s and was stopped; try a smaller request", REQUEST_TIMEOUT.as_secs()),
        StatusCode::PAYLOAD_TOO_LARGE => format!("the request body is too large (at most {} MB; imports {} MB)", BODY_LIMIT >> 20, IMPORT_BODY_LIMIT >> 20),
        other => other.canonical_reason().unwrap_or("error").to_string(),
    };
    let code = match status {
        StatusCode::REQUEST_TIMEOUT => "timeout",
        StatusCode::PAYLOAD_TOO_LARGE => "too_large",
        s if s.is_server_error() => "internal",
        _ => "error",
    };
    let mut answer = ApiError::new(status, code, message).into_response();
    for name in [header::RETRY_AFTER, header::ALLOW, header::WWW_AUTHENTICATE] {
        if let Some(v) = resp.headers().get(&name) {
            answer.headers_mut().insert(name, v.clone());
        }
    }
    answer
}

/// What answers tell the browser: run only this server's own scripts (no inline script, so text
/// that slipped into a page as markup still cannot run), no framing, no MIME sniffing, no
/// referrer. MapLibre needs `blob:` workers and `data:`/`blob:` images; styles may be inline.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; \
                   worker-src 'self' blob:; child-src blob:; connect-src 'self'; font-src 'self'; object-src 'none'; \
                   base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

fn security_headers(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    // Tiles and glyphs are protobuf a browser never renders as a document: the policy (≈ 330
    // bytes) would only weigh on the busiest answers.
    let protobuf = h.get(header::CONTENT_TYPE).is_some_and(|t| t == "application/vnd.mapbox-vector-tile" || t == "application/x-protobuf");
    if !protobuf {
        h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    }
    resp
}

