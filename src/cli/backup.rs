//! `commune-atlas backup OUT` and `commune-atlas restore BACKUP`: consistent copies of the store.

use std::path::{Path, PathBuf};

use clap::Args;
use commune_atlas::store::{Store, backup};

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The backup file to write (must not exist).
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// A backup made by `backup` or GET /api/admin/backup.
    pub from: PathBuf,
    /// Replace the store at --db even though it exists.
    #[arg(long)]
    pub force: bool,
}

pub fn backup(db: &Path, args: BackupArgs) -> anyhow::Result<()> {
    if !db.exists() {
        anyhow::bail!("no store at {}", db.display());
    }
    let store = Store::open(db)?;
    let r = backup::backup(&store, &args.out)?;
    println!("backed up {} to {} ({:.1} MB in {:.2} s)", db.display(), r.path.display(), r.bytes as f64 / 1e6, r.seconds);
    Ok(())
}

pub fn restore(db: &Path, args: RestoreArgs) -> anyhow::Result<()> {
    if db.exists() && !args.force {
        anyhow::bail!(
            "{} exists; restoring replaces everything in it. Add --force to do so (take a backup of it first if unsure)",
            db.display()
        );
    }
    backup::restore(&args.from, db)?;
    println!("restored {} from {}", db.display(), args.from.display());
    Ok(())
}
