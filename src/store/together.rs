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
//! statements run one after another, in order, with one exception: a run of
//! statements pushed with [`Together::push_counted`] (writes whose only answer is how
//! many rows they changed) is sent as one statement, each write a data-modifying
//! `WITH` query of it. Such writes all see the database as it was before the
//! statement, so a write pushed that way must not depend on what another one of its
//! run changes (BENCHMARKS.md, "PostgreSQL: fewer trips").
//!
//! Every statement's placeholders come from its own [`InOrder`](super::InOrder): `?`
//! on SQLite (absolute `$n` would index the whole query's arguments), `$1..` on
//! PostgreSQL.

use super::{Backend, StoreResult, backend_of};
use futures::TryStreamExt;
use sqlx::any::AnyRow;
use sqlx::{Any, Either, Executor, Row, Transaction};

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

/// One statement to send.
struct Statement {
    sql: String,
    args: Vec<Arg>,
    /// Pushed with [`Together::push_counted`].
    counted: bool,
}

/// Statements to send together, in order.
pub(crate) struct Together {
    backend: Backend,
    statements: Vec<Statement>,
}

/// Parameters PostgreSQL takes in one statement.
const POSTGRES_PARAMETERS: usize = 65_535;

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
        self.add(sql, args, false)
    }

    /// Adds an `INSERT`, `UPDATE` or `DELETE` with no `RETURNING` whose outcome is only
    /// the rows it changed, and which neither depends on the changes of the counted
    /// statements pushed next to it nor changes a row they change (on PostgreSQL they
    /// run as one statement: see the module's notes). Returns its index.
    pub(crate) fn push_counted(&mut self, sql: String, args: Vec<Arg>) -> usize {
        self.add(sql, args, true)
    }

    fn add(&mut self, sql: String, args: Vec<Arg>, counted: bool) -> usize {
        self.statements.push(Statement { sql, args, counted });
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
                    .map(|s| s.sql.as_str())
                    .collect::<Vec<_>>()
                    .join(";\n");
                let args = self.statements.into_iter().flat_map(|s| s.args);
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
            Backend::Sqlite => {
                let mut outcomes = Vec::with_capacity(self.statements.len());
                for s in self.statements {
                    outcomes.extend(send(tx, &s.sql, s.args).await?);
                }
                Ok(outcomes)
            }
            Backend::Postgres => {
                let mut outcomes = Vec::with_capacity(self.statements.len());
                let mut statements = self.statements.into_iter().peekable();
                while let Some(first) = statements.next() {
                    if !first.counted {
                        outcomes.extend(send(tx, &first.sql, first.args).await?);
                        continue;
                    }
                    let mut run = vec![first];
                    let mut parameters = run[0].args.len();
                    while let Some(next) = statements
                        .next_if(|s| s.counted && parameters + s.args.len() <= POSTGRES_PARAMETERS)
                    {
                        parameters += next.args.len();
                        run.push(next);
                    }
                    if run.len() == 1 {
                        let only = run.remove(0);
                        outcomes.extend(send(tx, &only.sql, only.args).await?);
                    } else {
                        outcomes.extend(send_counted(tx, run).await?);
                    }
                }
                Ok(outcomes)
            }
        }
    }
}

/// Sends a run of counted writes as one PostgreSQL statement, each write a
/// data-modifying `WITH` query returning a row per row it changed, counted in the
/// statement's one row; one outcome a write.
async fn send_counted(
    tx: &mut Transaction<'_, Any>,
    run: Vec<Statement>,
) -> StoreResult<Vec<Outcome>> {
    let n = run.len();
    let mut queries = Vec::with_capacity(n);
    let mut args = Vec::new();
    for (i, s) in run.into_iter().enumerate() {
        queries.push(format!(
            "w{i} AS ({} RETURNING 1)",
            shift_placeholders(&s.sql, args.len())
        ));
        args.extend(s.args);
    }
    let counts: Vec<String> = (0..n)
        .map(|i| format!("(SELECT COUNT(*) FROM w{i}) AS n{i}"))
        .collect();
    let sql = format!("WITH {} SELECT {}", queries.join(", "), counts.join(", "));
    let sent = send(tx, &sql, args).await?;
    let row = sent.first().and_then(|o| o.rows.first()).ok_or_else(|| {
        sqlx::Error::Protocol(format!("{n} writes sent as one statement, no row back"))
    })?;
    (0..n)
        .map(|i| {
            let count: i64 = row.try_get(i)?;
            Ok(Outcome {
                rows_affected: u64::try_from(count).unwrap_or_default(),
                rows: Vec::new(),
            })
        })
        .collect()
}

/// `sql` with each PostgreSQL placeholder `$k` (outside string literals) made
/// `$(k + by)`.
fn shift_placeholders(sql: &str, by: usize) -> String {
    if by == 0 {
        return sql.to_owned();
    }
    let mut out = String::with_capacity(sql.len() + 16);
    let mut chars = sql.chars().peekable();
    let mut in_literal = false;
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '\'' {
            in_literal = !in_literal;
        } else if c == '$' && !in_literal && chars.peek().is_some_and(char::is_ascii_digit) {
            let mut k = 0usize;
            while let Some(d) = chars.peek().and_then(|d| d.to_digit(10)) {
                k = k * 10 + d as usize;
                chars.next();
            }
            out.push_str(&(k + by).to_string());
        }
    }
    out
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

    /// The arguments of rows of (k, n).
    fn pairs(rows: &[(&str, i64)]) -> Vec<Arg> {
        rows.iter()
            .flat_map(|&(k, n)| [Arg::from(k), Arg::from(n)])
            .collect()
    }

    /// Sends four statements together inside a transaction, on a scratch table, and
    /// checks that each statement took its own arguments in order and reported its
    /// own outcome; then the same with two counted writes between two reads (one
    /// statement on PostgreSQL, a placeholder-like literal left alone); then that a
    /// failing statement fails the lot.
    async fn statements_keep_their_arguments_and_outcomes(url: &str) {
        let pool = crate::store::test_pool(url).await;
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
            pairs(&[("a", 1), ("b", 2), ("c", 3)]),
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

        // Counted writes of rows the others of their run do not touch, between two
        // reads: on PostgreSQL the two writes go as one statement.
        let mut together = Together::new(backend);
        let mut b = InOrder::new(backend);
        let before = together.push(
            format!(
                "SELECT COUNT(*) AS n FROM together_check WHERE k < {}",
                b.one()
            ),
            vec!["z".into()],
        );
        let mut b = InOrder::new(backend);
        let rows = b.rows(3, 2);
        let added = together.push_counted(
            format!("INSERT INTO together_check (k, n) VALUES {rows} ON CONFLICT (k) DO NOTHING"),
            pairs(&[("d", 4), ("a", 0), ("e", 5)]),
        );
        let mut b = InOrder::new(backend);
        let (n, k) = (b.one(), b.one());
        let changed = together.push_counted(
            format!("UPDATE together_check SET n = {n} WHERE k = {k} AND '$1' <> ''"),
            vec![7.into(), "b".into()],
        );
        let after = together.push(
            "SELECT k, n FROM together_check ORDER BY k".into(),
            Vec::new(),
        );
        let outcomes = together.run(&mut tx).await.expect("run counted");
        assert_eq!(outcomes.len(), 4);
        let count: i64 = outcomes[before].rows[0].try_get("n").expect("n");
        assert_eq!(count, 3);
        assert_eq!(outcomes[added].rows_affected, 2, "'a' was there already");
        assert_eq!(outcomes[changed].rows_affected, 1);
        let listed: Vec<(String, i64)> = outcomes[after]
            .rows
            .iter()
            .map(|r| (r.try_get("k").expect("k"), r.try_get("n").expect("n")))
            .collect();
        let expected = [("a", 1), ("b", 7), ("c", 26), ("d", 4), ("e", 5)];
        let expected: Vec<(String, i64)> = expected
            .iter()
            .map(|(k, n)| ((*k).to_owned(), *n))
            .collect();
        assert_eq!(listed, expected);

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

    #[test]
    fn placeholders_shift_outside_literals() {
        assert_eq!(
            shift_placeholders("UPDATE t SET a = $1, b = '$2' WHERE c = $10", 5),
            "UPDATE t SET a = $6, b = '$2' WHERE c = $15"
        );
        assert_eq!(shift_placeholders("SELECT $1", 0), "SELECT $1");
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
    async fn postgres_runs_statements_in_order_and_counted_writes_as_one() {
        if let Some(url) = crate::store::test_postgres_url() {
            statements_keep_their_arguments_and_outcomes(&url).await;
        }
    }
}
