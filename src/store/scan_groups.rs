//! Group commit of scan requests. Scanners post small batches (often one event a
//! request, from many couriers at once), and each request used to be its own
//! transaction: a dozen statements and a commit for one pickup. Requests that arrive
//! while a transaction of scans is running now wait for it and then go in together:
//! the requests of one poster that queue up are applied as one set-based batch
//! (`scan_batch.rs`), in arrival order, in one transaction.
//!
//! Nothing changes for a request: its events get the results they would get had the
//! queued requests run one after the other in that order, which is one of the orders
//! concurrent requests may run in anyway. Requests whose event ids overlap, or that
//! name one event id twice, are never merged (each keeps its own batch). A group whose
//! transaction fails, or meets a concurrent posting of its events, is not retried as a
//! group: each of its requests then runs alone, so every request gets its own answer,
//! error or not, exactly as without grouping.
//!
//! Key decision: leader and followers, no background task. A request queues its job
//! and waits for either its answer or a writer permit; whoever gets a permit takes
//! every queued job and runs them on a spawned task (so a caller that goes away never
//! stops a group halfway). There is one permit on SQLite (one writer anyway) and a few
//! on PostgreSQL, so groups form only when writers are busy: one request on an idle
//! server runs at once, alone.

use super::scans::{Posting, ScanEvent, ScanReach, ScanResult};
use super::{Store, StoreError, StoreResult};
use crate::domain::{BagLimits, Principal};
use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, oneshot};

/// Most events merged into one transaction (the most one request may carry).
const MAX_GROUP_EVENTS: usize = 1000;

/// The queue of scan requests waiting for a writer, and the writer permits.
#[derive(Debug)]
pub(crate) struct ScanGroups {
    queue: Mutex<Vec<Job>>,
    writers: Arc<Semaphore>,
    /// Off (`writers` 0): every request is its own transaction, at once.
    enabled: bool,
    /// Requests and the transactions that committed them, since the start.
    requests: AtomicU64,
    transactions: AtomicU64,
}

impl ScanGroups {
    pub(crate) fn new(writers: usize) -> Self {
        Self {
            queue: Mutex::new(Vec::new()),
            writers: Arc::new(Semaphore::new(writers.max(1))),
            enabled: writers > 0,
            requests: AtomicU64::new(0),
            transactions: AtomicU64::new(0),
        }
    }

    fn committed(&self, requests: usize) {
        self.requests.fetch_add(requests as u64, Ordering::Relaxed);
        self.transactions.fetch_add(1, Ordering::Relaxed);
        crate::metrics::scan_transaction(requests);
    }

    fn push(&self, job: Job) {
        self.queue
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(job);
    }

    fn take(&self) -> Vec<Job> {
        std::mem::take(
            &mut *self
                .queue
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }
}

/// Consecutive jobs that share one transaction, and their event ids.
struct Run {
    jobs: Vec<Job>,
    ids: HashSet<String>,
    /// A job that repeats an event id runs alone.
    alone: bool,
}

/// One request's scans, waiting to be applied.
#[derive(Debug)]
struct Job {
    poster: Principal,
    reach: ScanReach,
    events: Vec<ScanEvent>,
    limits: BagLimits,
    skew_ms: i64,
    now_ms: i64,
    reply: oneshot::Sender<StoreResult<Vec<ScanResult>>>,
}

impl Job {
    /// The job's scans as the batch applies them.
    fn posting(&self) -> Posting<'_> {
        Posting {
            poster: &self.poster,
            reach: &self.reach,
            events: &self.events,
            rules: (&self.limits, self.skew_ms),
            now_ms: self.now_ms,
        }
    }

    /// Whether `self` may join a run headed by `head` whose events hold `ids`.
    fn joins(&self, head: &Job, ids: &HashSet<String>) -> bool {
        self.poster == head.poster
            && self.reach == head.reach
            && self.limits == head.limits
            && self.skew_ms == head.skew_ms
            && ids.len() + self.events.len() <= MAX_GROUP_EVENTS
            && self.events.iter().all(|e| !ids.contains(&e.event_id))
    }

    /// Whether the job names one event id twice (its duplicate's result cites the
    /// first by its index in the request, so it runs alone).
    fn repeats_an_id(&self) -> bool {
        let mut seen = HashSet::with_capacity(self.events.len());
        !self.events.iter().all(|e| seen.insert(e.event_id.as_str()))
    }
}

impl Store {
    /// Scan requests applied and the transactions they were committed in, since this
    /// store was opened.
    pub fn scan_transactions(&self) -> (u64, u64) {
        let g = &self.scan_groups;
        (
            g.requests.load(Ordering::Relaxed),
            g.transactions.load(Ordering::Relaxed),
        )
    }

    /// Applies a batch of scans from one poster; one result per event, in order. The
    /// batch may share its transaction with other requests of the same poster (see
    /// the module comment).
    pub async fn apply_scans(
        &self,
        poster: &Principal,
        reach: &ScanReach,
        events: &[ScanEvent],
        rules: (&BagLimits, i64),
        now_ms: i64,
    ) -> StoreResult<Vec<ScanResult>> {
        if !self.scan_groups.enabled {
            return self
                .apply_alone(Posting {
                    poster,
                    reach,
                    events,
                    rules,
                    now_ms,
                })
                .await;
        }
        let (reply, mut answer) = oneshot::channel();
        self.scan_groups.push(Job {
            poster: poster.clone(),
            reach: reach.clone(),
            events: events.to_vec(),
            limits: *rules.0,
            skew_ms: rules.1,
            now_ms,
            reply,
        });
        loop {
            tokio::select! {
                biased;
                done = &mut answer => return done.unwrap_or_else(|_| Err(lost())),
                permit = self.scan_groups.writers.clone().acquire_owned() => {
                    let Ok(permit) = permit else { return Err(lost()) };
                    let jobs = self.scan_groups.take();
                    if jobs.is_empty() {
                        // Another writer took this request: wait for its answer.
                        drop(permit);
                        return answer.await.unwrap_or_else(|_| Err(lost()));
                    }
                    tokio::spawn(self.clone().run_group(jobs, permit));
                }
            }
        }
    }

    /// Applies queued jobs: consecutive jobs of one poster as one transaction each,
    /// and every job alone when its run's transaction does not go through.
    async fn run_group(self, jobs: Vec<Job>, permit: OwnedSemaphorePermit) {
        let mut runs: Vec<Run> = Vec::new();
        for job in jobs {
            let alone = job.repeats_an_id();
            match runs.last_mut() {
                Some(run) if !alone && !run.alone && job.joins(&run.jobs[0], &run.ids) => {
                    run.ids
                        .extend(job.events.iter().map(|e| e.event_id.clone()));
                    run.jobs.push(job);
                }
                _ => runs.push(Run {
                    ids: job.events.iter().map(|e| e.event_id.clone()).collect(),
                    alone,
                    jobs: vec![job],
                }),
            }
        }
        for run in runs {
            self.run_together(run.jobs).await;
        }
        drop(permit);
    }

    /// One transaction for a run of jobs of one poster; each gets its share of the
    /// results. If the transaction fails, each job runs alone.
    async fn run_together(&self, run: Vec<Job>) {
        if run.len() > 1 {
            let head = &run[0];
            let events: Vec<ScanEvent> = run.iter().flat_map(|j| j.events.clone()).collect();
            let now_ms = run.iter().map(|j| j.now_ms).max().unwrap_or(head.now_ms);
            if let Ok(Some(mut results)) = self
                .try_apply_scans(Posting {
                    events: &events,
                    now_ms,
                    ..head.posting()
                })
                .await
            {
                self.scan_groups.committed(run.len());
                for job in run {
                    let rest = results.split_off(job.events.len().min(results.len()));
                    let mine = std::mem::replace(&mut results, rest);
                    let _ = job.reply.send(Ok(mine));
                }
                return;
            }
        }
        for job in run {
            let result = self.apply_alone(job.posting()).await;
            let _ = job.reply.send(result);
        }
    }

    /// One request's batch in its own transaction.
    async fn apply_alone(&self, posting: Posting<'_>) -> StoreResult<Vec<ScanResult>> {
        // A repeat racing its first posting on another server makes the final insert
        // of the event rows conflict: the batch then rolls back and runs again, and
        // finds the first posting stored (PostgreSQL; SQLite has a single writer).
        for _ in 0..3 {
            if let Some(results) = self.try_apply_scans(posting).await? {
                self.scan_groups.committed(1);
                return Ok(results);
            }
        }
        Err(StoreError::Conflict(
            "scan_conflict",
            "these events are being posted by another request at the same time; retry".into(),
        ))
    }
}

/// A request whose group task ended without answering (it panicked).
fn lost() -> StoreError {
    StoreError::Conflict(
        "scan_conflict",
        "the scans could not be applied; retry".into(),
    )
}
