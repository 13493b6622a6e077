//! `commune-atlas users add|list|disable|enable|token`: accounts, roles, scopes and tokens,
//! written straight into the store (stop `serve` first; while it runs, use /api/admin/users).

use std::path::Path;

use clap::{Args, Subcommand};
use commune_atlas::access::{Role, users};
use commune_atlas::store::Store;

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Create a user and print their first API token (shown once).
    #[command(after_help = "Roles (each includes the ones before it):\n  \
viewer   maps, dashboards, commune details\n  \
leader   + candidates and conversion plans\n  \
analyst  + SQL console, saved queries, exports\n  \
admin    + imports, users, audit log\n\n\
Examples:\n  \
commune-atlas users add an.nguyen --role admin --scope '*'\n  \
commune-atlas users add ban-chi-dao-98 --role leader --scope 98\n  \
commune-atlas users add thong-ke --role analyst --scope 98,99\n\n\
The token signs in on the web page and is sent by scripts as `Authorization: Bearer <token>`.")]
    Add(AddArgs),
    /// List users, their roles, scopes and how many tokens they hold.
    List(ListArgs),
    /// Disable a user: their tokens and sessions stop working at once.
    Disable(NameArgs),
    /// Enable a disabled user again.
    Enable(NameArgs),
    /// Issue another token for a user (printed once); --revoke-others ends the old ones.
    #[command(after_help = "Example:\n  commune-atlas users token ban-chi-dao-98 --revoke-others   # a lost or leaked token")]
    Token(TokenArgs),
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// Login name: letters, digits and . _ @ - (at most 64).
    pub name: String,
    /// viewer, leader, analyst or admin.
    #[arg(long, default_value = "viewer")]
    pub role: String,
    /// Province codes the user may see, separated by commas, or '*' for every province.
    #[arg(long)]
    pub scope: String,
    /// Who is doing this, for the audit log.
    #[arg(long, default_value = "cli")]
    pub actor: String,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct NameArgs {
    pub name: String,
    #[arg(long, default_value = "cli")]
    pub actor: String,
}

#[derive(Debug, Args)]
pub struct TokenArgs {
    pub name: String,
    /// Revoke the user's other tokens.
    #[arg(long)]
    pub revoke_others: bool,
    #[arg(long, default_value = "cli")]
    pub actor: String,
}

pub fn run(db: &Path, cmd: UsersCommand) -> anyhow::Result<()> {
    if !db.exists() {
        anyhow::bail!("no store at {}: run `commune-atlas serve` once or import data first", db.display());
    }
    let store = Store::open(db)?;
    match cmd {
        UsersCommand::Add(a) => {
            let role: Role = a.role.parse()?;
            let t = users::add(&store, &a.name, role, &a.scope, &a.actor)?;
            eprintln!("created {} ({role}: {}); their token — shown only now:", t.user, role.grants());
            println!("{}", t.token);
        }
        UsersCommand::List(a) => {
            let list = users::list(&store)?;
            if a.json {
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else if list.is_empty() {
                println!("no users yet: `commune-atlas users add NAME --role admin --scope '*'`");
            } else {
                println!("{:<24} {:<8} {:<20} {:<9} {:>6}  created", "name", "role", "scope", "state", "tokens");
                for u in list {
                    println!(
                        "{:<24} {:<8} {:<20} {:<9} {:>6}  {} by {}",
                        u.name,
                        u.role,
                        u.scope,
                        if u.disabled { "disabled" } else { "active" },
                        u.active_tokens,
                        u.created_at,
                        u.created_by
                    );
                }
            }
        }
        UsersCommand::Disable(a) => {
            users::set_disabled(&store, &a.name, true, &a.actor)?;
            println!("disabled {}", a.name);
        }
        UsersCommand::Enable(a) => {
            users::set_disabled(&store, &a.name, false, &a.actor)?;
            println!("enabled {}", a.name);
        }
        UsersCommand::Token(a) => {
            let t = users::issue_token(&store, &a.name, a.revoke_others, &a.actor)?;
            eprintln!("new token for {}{} — shown only now:", t.user, if a.revoke_others { " (older tokens revoked)" } else { "" });
            println!("{}", t.token);
        }
    }
    store.checkpoint()?;
    Ok(())
}
