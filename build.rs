//! Rebuild when anything under `web/` changes, a file added or removed included: the client is
//! embedded by `include_dir!`, whose expansion only tracks the files that existed when it ran.

fn main() {
    println!("cargo::rerun-if-changed=web");
}
