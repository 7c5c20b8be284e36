//! Rebuilds when a migration is added or changed: `sqlx::migrate!` embeds the
//! `migrations/` directory at compile time, which cargo does not track by itself.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
