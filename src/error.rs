//! The library's error type. Every error says what went wrong and, where it can, what to do.
//!
//! Validation problems found in an input file are not errors of this type one by one: they are
//! collected as [`crate::import::Problem`]s and returned together in [`Error::Rejected`].

use std::path::PathBuf;

use crate::import::Problems;

/// Result alias used throughout the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// DuckDB refused or failed an operation.
    #[error("store: {context}: {source}")]
    Store {
        context: String,
        #[source]
        source: duckdb::Error,
    },

    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// An input file failed validation; nothing was written.
    #[error("{0}")]
    Rejected(Problems),

    /// The request is well-formed but would overwrite data, conflict with what is stored, or is
    /// otherwise refused; the message says how to proceed.
    #[error("{0}")]
    Refused(String),

    /// Not allowed here (e.g. a writing statement in the SQL sandbox).
    #[error("{0}")]
    Forbidden(String),

    /// A write raced another one (stale version); nothing was changed.
    #[error("{0}")]
    Conflict(String),

    /// A named thing (boundary version, unit, query …) does not exist.
    #[error("{0}")]
    NotFound(String),

    /// The caller passed an argument that cannot be used.
    #[error("{0}")]
    InvalidArgument(String),

    /// Stored data is not what the atlas wrote (a geometry that does not parse, a value outside
    /// its vocabulary): the store was damaged or edited by hand. Not the caller's fault.
    #[error("damaged stored data: {0}")]
    Corrupt(String),

    /// Something inside the service failed (a worker thread panicked, a writer failed): not the
    /// caller's fault; the detail is for the log.
    #[error("internal failure: {0}")]
    Internal(String),
}

impl Error {
    /// Wrap a DuckDB error with a description of what was being done.
    pub fn store(context: impl Into<String>) -> impl FnOnce(duckdb::Error) -> Error {
        let context = context.into();
        move |source| Error::Store { context, source }
    }

    /// Wrap an I/O error with the path involved.
    pub fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Error {
        let path = path.into();
        move |source| Error::Io { path, source }
    }
}
