//! Who may see and do what: users with a [`Role`] and a province [`Scope`], their API tokens,
//! sessions' principals and the audit log. The HTTP layer (`api::auth`) asks this module; nothing
//! else decides access.
//!
//! Roles are ordered — each includes the ones before it:
//! viewer (maps, dashboards) < leader (+ candidates, plans) < analyst (+ SQL, exports) <
//! admin (+ imports, users, audit log).

pub mod audit;
pub mod scope;
pub mod users;

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

pub use scope::Scope;
pub use users::{IssuedToken, User};

/// What a user may do, in increasing order of power.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Viewer,
    Leader,
    Analyst,
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Viewer, Role::Leader, Role::Analyst, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Leader => "leader",
            Role::Analyst => "analyst",
            Role::Admin => "admin",
        }
    }

    /// What the role adds to the one below it (for `--help` and error messages).
    pub fn grants(self) -> &'static str {
        match self {
            Role::Viewer => "maps, dashboards, commune details",
            Role::Leader => "viewer + candidates and conversion plans",
            Role::Analyst => "leader + SQL console, saved queries, exports",
            Role::Admin => "analyst + imports, users, audit log",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl FromStr for Role {
    type Err = crate::Error;
    fn from_str(s: &str) -> crate::Result<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s).ok_or_else(|| {
            crate::Error::InvalidArgument(format!("unknown role '{s}': use viewer, leader, analyst or admin"))
        })
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
    pub name: String,
    pub role: Role,
    pub scope: Arc<Scope>,
    pub via: Via,
}

impl Principal {
    /// Demo mode's anonymous user: every role, every province.
    pub fn demo(scope: Arc<Scope>) -> Principal {
        Principal { name: "demo".into(), role: Role::Admin, scope, via: Via::Demo }
    }

    pub fn may(&self, role: Role) -> bool {
        self.role >= role
    }
}
