//! Statements sent to the database together.
//!
//! Key decision: on SQLite every statement is a round trip to sqlx's SQLite worker
//! thread, and a profile of one-pickup requests showed most of the server's time in
//! putting that thread to sleep and waking it (BENCHMARKS.md, "Group commit"). The
//! statements of a scan batch that need no answer before the next one is written
//! (its reads; then its scan events, handovers, bags, history and the sellers' event
//! counters and events) are gathered here and sent as one multi-statement query on
//! SQLite: one trip for all. sqlx-sqlite runs such a query statement by statement,
//! binding each statement's anonymous `?` placeholders from the next arguments in
//! order, and reports each statement's outcome. sqlx calls multi-statement queries
//! deprecated; the tests below pin the behaviour, so an upgrade of sqlx that changes
//! it fails there first. PostgreSQL prepares one statement per message, so there the
//! statements run one after another, as before.
//!
//! Every statement's placeholders come from its own [`InOrder`](super::InOrder): `?`
//! on SQLite (absolute `$n` would index the whole query's arguments), `$1..` on
//! PostgreSQL.

use super::{Backend, StoreResult, backend_of};
use futures::TryStreamExt;
use sqlx::any::AnyRow;
use sqlx::{Any, Either, Executor, Transaction};

/// A statement's argument, owned until the statements are sent.
#[derive(Clone, Debug)]
pub(crate) enum Arg {
    Text(String),
    OptText(Option<String>),
    Int(i64),
    OptInt(Option<i64>),
}

impl From<&str> for Arg {
    fn from(s: &str) -> Self {
        Arg::Text(s.to_owned())
    }
}

impl From<String> for Arg {
    fn from(s: String) -> Self {
        Arg::Text(s)
    }
}

impl From<&String> for Arg {
    fn from(s: &String) -> Self {
        Arg::Text(s.clone())
    }
}

impl From<Option<String>> for Arg {
    fn from(s: Option<String>) -> Self {
        Arg::OptText(s)
    }
}

impl From<i64> for Arg {
    fn from(n: i64) -> Self {
        Arg::Int(n)
    }
}

impl From<Option<i64>> for Arg {
    fn from(n: Option<i64>) -> Self {
        Arg::OptInt(n)
    }
}

/// What one statement did: the rows it changed (read it only for a statement that
/// changes rows: SQLite reports a `SELECT` with the count of the change before it) and
/// the rows it returned.
#[derive(Default)]
pub(crate) struct Outcome {
    pub(crate) rows_affected: u64,
    pub(crate) rows: Vec<AnyRow>,
}

/// Statements to send together, in order.
pub(crate) struct Together {
    backend: Backend,
    statements: Vec<(String, Vec<Arg>)>,
}

impl Together {
    pub(crate) fn new(backend: Backend) -> Self {
        Self {
            backend,
            statements: Vec::new(),
        }
    }

    pub(crate) fn backend(&self) -> Backend {
        self.backend
    }

    /// How many statements there are so far.
    pub(crate) fn len(&self) -> usize {
        self.statements.len()
    }

    /// Adds a statement; returns its index in [`Together::run`]'s outcomes.
    pub(crate) fn push(&mut self, sql: String, args: Vec<Arg>) -> usize {
        self.statements.push((sql, args));
        self.statements.len() - 1
    }

    /// Sends the statements, in order; the first error stops them (and the caller's
    /// transaction is then rolled back, as with any failed statement).
    pub(crate) async fn run(self, tx: &mut Transaction<'_, Any>) -> StoreResult<Vec<Outcome>> {
        debug_assert_eq!(backend_of(tx), self.backend);
        match self.backend {
            Backend::Sqlite if self.statements.len() > 1 => {
                let n = self.statements.len();
                let sql = self
                    .statements
                    .iter()
                    .map(|(sql, _)| sql.as_str())
                    .collect::<Vec<_>>()
                    .join(";\n");
                let args = self.statements.into_iter().flat_map(|(_, args)| args);
                let outcomes = send(tx, &sql, args).await?;
                if outcomes.len() != n {
                    return Err(sqlx::Error::Protocol(format!(
                        "{n} statements sent together, {} outcomes back",
                        outcomes.len()
                    ))
                    .into());
                }
                Ok(outcomes)
            }
            _ => {
                let mut outcomes = Vec::with_capacity(self.statements.len());
                for (sql, args) in self.statements {
                    outcomes.extend(send(tx, &sql, args).await?);
                }
                Ok(outcomes)
            }
        }
    }
}

/// Sends one query (of one or, on SQLite, several statements) and collects each
/// statement's outcome.
async fn send(
    tx: &mut Transaction<'_, Any>,
    sql: &str,
    args: impl IntoIterator<Item = Arg>,
) -> StoreResult<Vec<Outcome>> {
    let mut query = sqlx::query(sql);
    for arg in args {
        query = match arg {
            Arg::Text(s) => query.bind(s),
            Arg::OptText(s) => query.bind(s),
            Arg::Int(n) => query.bind(n),
            Arg::OptInt(n) => query.bind(n),
        };
    }
    let mut outcomes = Vec::new();
    let mut current = Outcome::default();
    let mut stream = (&mut **tx).fetch_many(query);
    while let Some(item) = stream.try_next().await? {
        match item {
            Either::Right(row) => current.rows.push(row),
            Either::Left(done) => {
                current.rows_affected = done.rows_affected();
                outcomes.push(std::mem::take(&mut current));
            }
        }
    }
    Ok(outcomes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{InOrder, StoreError};
    use sqlx::Row;

    /// Sends four statements together inside a transaction, on a scratch table, and
    /// checks that each statement took its own arguments in order and reported its
    /// own outcome; then that a failing statement fails the lot.
    async fn statements_keep_their_arguments_and_outcomes(url: &str) {
        sqlx::any::install_default_drivers();
        let pool = sqlx::any::AnyPoolOptions::new()
            .max_connections(1)
            .connect(url)
            .await
            .expect("connect");
        let mut tx = pool.begin().await.expect("begin");
        sqlx::query(
            "CREATE TEMPORARY TABLE together_check (k TEXT PRIMARY KEY, n BIGINT NOT NULL)",
        )
        .execute(&mut *tx)
        .await
        .expect("create");
        let backend = backend_of(&tx);
        let mut together = Together::new(backend);
        let mut b = InOrder::new(backend);
        let rows = b.rows(3, 2);
        let insert = together.push(
            format!("INSERT INTO together_check (k, n) VALUES {rows}"),
            vec![
                "a".into(),
                1.into(),
                "b".into(),
                2.into(),
                "c".into(),
                3.into(),
            ],
        );
        let mut b = InOrder::new(backend);
        let (add, above) = (b.one(), b.one());
        let update = together.push(
            format!("UPDATE together_check SET n = n + {add} WHERE n > {above}"),
            vec![10.into(), 1.into()],
        );
        let mut b = InOrder::new(backend);
        let (k, n) = (b.one(), b.one());
        let upsert = together.push(
            format!(
                "INSERT INTO together_check (k, n) VALUES ({k}, {n})
                 ON CONFLICT (k) DO UPDATE SET n = together_check.n * 2 RETURNING k, n"
            ),
            vec!["c".into(), Arg::OptInt(Some(0))],
        );
        let mut b = InOrder::new(backend);
        let from = b.one();
        let select = together.push(
            format!("SELECT k, n FROM together_check WHERE k >= {from} ORDER BY k"),
            vec![Arg::OptText(Some("b".into()))],
        );
        assert_eq!(together.len(), 4);
        let outcomes = together.run(&mut tx).await.expect("run");
        assert_eq!(outcomes.len(), 4);
        assert_eq!(outcomes[insert].rows_affected, 3);
        assert_eq!(outcomes[update].rows_affected, 2);
        assert!(outcomes[insert].rows.is_empty() && outcomes[update].rows.is_empty());
        let returned = &outcomes[upsert].rows;
        assert_eq!(returned.len(), 1);
        assert_eq!(returned[0].try_get::<i64, _>("n").expect("n"), 26);
        let listed: Vec<(String, i64)> = outcomes[select]
            .rows
            .iter()
            .map(|r| (r.try_get("k").expect("k"), r.try_get("n").expect("n")))
            .collect();
        assert_eq!(listed, vec![("b".to_owned(), 12), ("c".to_owned(), 26)]);

        // A statement that fails (a duplicate key) fails the whole run.
        let mut together = Together::new(backend);
        let mut b = InOrder::new(backend);
        let n = b.one();
        together.push(format!("UPDATE together_check SET n = {n}"), vec![0.into()]);
        let mut b = InOrder::new(backend);
        let (k, n) = (b.one(), b.one());
        together.push(
            format!("INSERT INTO together_check (k, n) VALUES ({k}, {n})"),
            vec!["a".into(), 0.into()],
        );
        let err = together.run(&mut tx).await.err().expect("a duplicate key");
        assert!(
            matches!(&err, StoreError::Database(e) if StoreError::is_unique_violation(e)),
            "{err:?}"
        );
        tx.rollback().await.expect("rollback");
        pool.close().await;
    }

    #[tokio::test]
    async fn sqlite_runs_statements_together_in_order() {
        let path = std::env::temp_dir().join(format!(
            "firstmile_together_{}.db",
            crate::domain::new_id("T")
        ));
        statements_keep_their_arguments_and_outcomes(&format!(
            "sqlite://{}?mode=rwc",
            path.display()
        ))
        .await;
        for suffix in ["", "-wal", "-shm"] {
            let mut file = path.clone().into_os_string();
            file.push(suffix);
            let _ = std::fs::remove_file(file);
        }
    }

    #[tokio::test]
    async fn postgres_runs_statements_one_after_another() {
        match std::env::var("FIRSTMILE_TEST_POSTGRES_URL") {
            Ok(url) => statements_keep_their_arguments_and_outcomes(&url).await,
            Err(_) => assert!(
                std::env::var("FIRSTMILE_REQUIRE_POSTGRES").is_err(),
                "FIRSTMILE_REQUIRE_POSTGRES is set but FIRSTMILE_TEST_POSTGRES_URL is not"
            ),
        }
    }
}
