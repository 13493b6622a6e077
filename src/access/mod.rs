//! Who may see and do what: users with a [`Role`] and a province [`Scope`], their API tokens,
//! sessions' principals and the audit log. The HTTP layer (`api::auth`) asks this module; nothing
//! else decides access.
//!
//! Roles are ordered — each includes the ones before it:
//! officer (their communes' review forms only) < viewer (maps, dashboards) < reviewer (+ reviewing
//! the communes of their provinces) < approver (+ approving their provinces' lists) < ministry (+
//! the national view and province-level approvals) < leader (+
//! candidates, plans) < analyst (+ SQL, exports) < admin (+ imports, users, audit log). Reviewing
//! is the reviewer's (and admin's) alone, approving the approver's (and admin's): a leader or
//! analyst does neither ([`Principal::reviews`], [`Principal::approves`]).

pub mod audit;
pub mod scope;
pub mod users;

use std::sync::Arc;

pub use scope::Scope;
pub use users::{IssuedToken, User};

crate::vocabulary! {
    /// What a user may do, in increasing order of power (each role includes the ones before it).
    pub enum Role ("role") {
        Officer = "officer", Viewer = "viewer", Reviewer = "reviewer", Approver = "approver", Ministry = "ministry", Leader = "leader", Analyst = "analyst", Admin = "admin",
    }
}

impl Role {
    /// What the role adds to the one below it (for `--help` and error messages).
    pub fn grants(self) -> &'static str {
        match self {
            Role::Officer => "the annual-review forms of the communes in scope (commune codes), nothing else",
            Role::Viewer => "maps, dashboards, commune details",
            Role::Reviewer => "viewer + reviewing the communes' submissions of the provinces in scope",
            Role::Approver => "viewer + approving the review's lists of the provinces in scope (the provincial People's Committee)",
            Role::Ministry => "viewer + the national view of the review and the province-level approvals (the Ministry of Public Security; scope *)",
            Role::Leader => "viewer + candidates and conversion plans",
            Role::Analyst => "leader + SQL console, saved queries, exports",
            Role::Admin => "analyst + imports, users, audit log",
        }
    }
}

/// How a request proved who it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Via {
    /// `Authorization: Bearer` token.
    Token,
    /// Session cookie from the login page (writes need the CSRF token).
    Session,
    /// Demo mode: loopback address, synthetic data, no login.
    Demo,
}

/// The user behind a request.
#[derive(Debug, Clone)]
pub struct Principal {
    /// Shared, so handing the principal to a handler (a clone per request) allocates nothing.
    pub name: Arc<str>,
    pub role: Role,
    pub scope: Arc<Scope>,
    pub via: Via,
}

impl Principal {
    /// Demo mode's anonymous user: every role, every province.
    pub fn demo(scope: Arc<Scope>) -> Principal {
        static NAME: std::sync::OnceLock<Arc<str>> = std::sync::OnceLock::new();
        Principal { name: NAME.get_or_init(|| "demo".into()).clone(), role: Role::Admin, scope, via: Via::Demo }
    }

    pub fn may(&self, role: Role) -> bool {
        self.role >= role
    }

    /// May this user return and accept annual-review submissions (of units in scope)?
    pub fn reviews(&self) -> bool {
        matches!(self.role, Role::Reviewer | Role::Admin)
    }

    /// Does this user act for the Ministry: the national view of the review, province-level
    /// approvals? (A ministry user, or a national admin.)
    pub fn national(&self) -> bool {
        self.scope.is_all() && matches!(self.role, Role::Ministry | Role::Admin)
    }

    /// May this user approve (and amend) the review's lists of a province in scope?
    pub fn approves(&self) -> bool {
        matches!(self.role, Role::Approver | Role::Admin)
    }
}
