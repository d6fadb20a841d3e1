//! Running collection rules: the daily run (scheduled, caught up, or asked for by the
//! admin endpoint), event firings, the dry-run preview and the back-test.
//!
//! Invariants:
//! - All of a date's daily rules are evaluated in one scan of the book, a page of
//!   customers at a time with their open invoices at that date. Each rule still has its
//!   own run row and lease (`UNIQUE(rule, run_date)`), so a rule another worker holds
//!   or already ran is skipped, and every page commits the firings of all the rules this
//!   worker holds together with each run's cursor (the page's last customer id).
//! - Memory is bounded by two pages of invoices (the one evaluated, the one being read)
//!   plus the customers' facts: nothing holds the whole book's invoices.
//! - A run that dies mid-way is taken over once its lease is stale and resumes after
//!   its cursor; what it had committed is not redone, and the dedupe keys make any
//!   overlap harmless.
//! - Preview and back-test call the same `evaluate` and never write.
use crate::domain::business_date;
use crate::domain::rules::{
    self, CustomerFacts, Facts, Firing, PortfolioFacts, Rule, Scope, Trigger,
};
use crate::store::{
    Applied, FiringPlan, RuleLease, RuleRun, RunClaim, RunProgress, Store, StoreError, StoredRule,
};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use std::collections::{HashMap, HashSet};

/// Customers per page: their open invoices are read together (≈20 each in a big book).
pub const PAGE: i64 = 1_000;
/// A lease not renewed for this long is taken over.
pub const LEASE_STALE_SECS: i64 = 120;

/// The customers as rules see them at one date, by id. Open and overdue amounts are
/// filled in page by page as the scan reads each customer's open invoices.
pub struct Book {
    pub as_of: NaiveDate,
    pub customers: Vec<CustomerFacts>,
}

impl Book {
    pub async fn load(
        store: &dyn Store,
        as_of: NaiveDate,
        only: Option<i64>,
    ) -> Result<Book, StoreError> {
        Ok(Book {
            as_of,
            customers: store.rule_customers(as_of, only).await?,
        })
    }
}

/// Evaluates `rules` over the book a page of customers at a time: each page's open
/// invoices are read once, give the customers their open and overdue amounts, and are
/// evaluated by the invoice rules; the customer rules then see the page's customers.
/// The portfolio rules come last, on the whole book's sums. `page` gets each page's
/// firings, the last customer id of the page (the runs' cursor) and the targets
/// evaluated; it returns false to stop. A rule skips customers at or below its own
/// cursor; a pending portfolio rule needs every page, so the scan then starts at 0.
async fn scan<F>(
    store: &dyn Store,
    rules: &[(i64, &Rule, i64)],
    book: &Book,
    page_size: i64,
    mut page: F,
) -> Result<bool, StoreError>
where
    F: AsyncPage,
{
    let as_of = book.as_of;
    let portfolio_pending: Vec<&(i64, &Rule, i64)> = rules
        .iter()
        .filter(|(_, r, from)| r.scope == Scope::Portfolio && *from == 0)
        .collect();
    let others: Vec<&(i64, &Rule, i64)> = rules
        .iter()
        .filter(|(_, r, _)| r.scope != Scope::Portfolio)
        .collect();
    let start = if portfolio_pending.is_empty() {
        others
            .iter()
            .map(|(_, _, from)| *from)
            .min()
            .unwrap_or(i64::MAX)
    } else {
        0
    };
    let todo: Vec<&CustomerFacts> = book.customers.iter().filter(|c| c.id > start).collect();
    let chunks: Vec<&[&CustomerFacts]> = todo.chunks(page_size.max(1) as usize).collect();
    let bounds: Vec<(i64, i64)> = chunks
        .iter()
        .scan(start, |after, chunk| {
            let upto = chunk.last().map_or(*after, |c| c.id);
            let b = (*after, upto);
            *after = upto;
            Some(b)
        })
        .collect();
    let mut portfolio = PortfolioFacts::default();
    // The next page's invoices are read while this page is evaluated and written, so
    // the database and the evaluation use both cores.
    let mut fetched = match bounds.first() {
        Some(&(after, upto)) => store.rule_invoices(as_of, after, upto).await?,
        None => Vec::new(),
    };
    for (i, chunk) in chunks.iter().enumerate() {
        let invoices = std::mem::take(&mut fetched);
        let upto = bounds[i].1;
        let next = async {
            match bounds.get(i + 1) {
                Some(&(after, upto)) => store.rule_invoices(as_of, after, upto).await,
                None => Ok(Vec::new()),
            }
        };
        let work = async {
            let mut sums: HashMap<i64, (i64, i64)> = HashMap::new();
            for inv in &invoices {
                let s = sums.entry(inv.customer_id).or_default();
                s.0 += inv.open_minor;
                if inv.due_date < as_of {
                    s.1 += inv.open_minor;
                }
            }
            let customers: HashMap<i64, CustomerFacts> = chunk
                .iter()
                .map(|c| {
                    let (open, overdue) = sums.get(&c.id).copied().unwrap_or_default();
                    (
                        c.id,
                        CustomerFacts {
                            open_minor: open,
                            overdue_minor: overdue,
                            ..(*c).clone()
                        },
                    )
                })
                .collect();
            portfolio.overdue_minor += customers.values().map(|c| c.overdue_minor).sum::<i64>();
            portfolio.overdue_customers +=
                customers.values().filter(|c| c.overdue_minor > 0).count() as i64;
            let mut firings = Vec::new();
            for (id, rule, from) in &others {
                match rule.scope {
                    Scope::Invoice => {
                        for inv in invoices.iter().filter(|i| i.customer_id > *from) {
                            let facts = Facts {
                                as_of,
                                invoice: Some(inv),
                                customer: customers.get(&inv.customer_id),
                                portfolio: None,
                            };
                            firings.extend(rules::evaluate(*id, rule, &facts, None));
                        }
                    }
                    _ => {
                        for c in chunk.iter().filter(|c| c.id > *from) {
                            let facts = Facts {
                                as_of,
                                invoice: None,
                                customer: customers.get(&c.id),
                                portfolio: None,
                            };
                            firings.extend(rules::evaluate(*id, rule, &facts, None));
                        }
                    }
                }
            }
            let evaluated = Evaluated {
                invoices: invoices.len() as i64,
                customers: chunk.len() as i64,
                portfolio: 0,
            };
            page.page(firings, upto, evaluated).await
        };
        let (next, go_on) = futures::join!(next, work);
        if !go_on? {
            return Ok(false);
        }
        fetched = next?;
    }
    if !portfolio_pending.is_empty() {
        let facts = Facts {
            as_of,
            invoice: None,
            customer: None,
            portfolio: Some(&portfolio),
        };
        let firings = portfolio_pending
            .iter()
            .filter_map(|(id, rule, _)| rules::evaluate(*id, rule, &facts, None))
            .collect();
        if !page
            .page(
                firings,
                i64::MAX,
                Evaluated {
                    invoices: 0,
                    customers: 0,
                    portfolio: 1,
                },
            )
            .await?
        {
            return Ok(false);
        }
    }
    Ok(true)
}

/// The targets one page evaluated, by scope.
#[derive(Debug, Clone, Copy)]
struct Evaluated {
    invoices: i64,
    customers: i64,
    portfolio: i64,
}

impl Evaluated {
    fn of(self, scope: Scope) -> i64 {
        match scope {
            Scope::Invoice => self.invoices,
            Scope::Customer => self.customers,
            Scope::Portfolio => self.portfolio,
        }
    }
}

/// A page callback (an async closure over borrowed state, spelled as a trait).
trait AsyncPage {
    async fn page(
        &mut self,
        firings: Vec<Firing>,
        cursor: i64,
        evaluated: Evaluated,
    ) -> Result<bool, StoreError>;
}

/// What one rule's run on a date came to.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RuleRunOutcome {
    pub rule_id: i64,
    pub rule_name: String,
    /// `ran`, `already_done` or `busy` (another worker holds it).
    pub status: String,
    pub run: Option<RuleRun>,
}

/// Test and benchmark knobs; production uses the defaults.
#[derive(Debug, Clone, Copy)]
pub struct RunLimits {
    pub page_size: i64,
    /// Stop (as if the process died) after this many committed pages.
    pub crash_after_pages: Option<usize>,
}

impl Default for RunLimits {
    fn default() -> Self {
        RunLimits {
            page_size: PAGE,
            crash_after_pages: None,
        }
    }
}

struct Applier<'a> {
    store: &'a dyn Store,
    leases: Vec<(RuleLease, Scope)>,
    names: HashMap<i64, (String, Vec<rules::Action>)>,
    run_of: HashMap<i64, i64>,
    as_of: NaiveDate,
    now: &'a (dyn Fn() -> DateTime<Utc> + Send + Sync),
    pages: usize,
    crash_after: Option<usize>,
    applied: Applied,
}

impl AsyncPage for Applier<'_> {
    async fn page(
        &mut self,
        firings: Vec<Firing>,
        cursor: i64,
        evaluated: Evaluated,
    ) -> Result<bool, StoreError> {
        if self.crash_after.is_some_and(|n| self.pages >= n) {
            return Ok(false);
        }
        let plans: Vec<FiringPlan> = firings
            .into_iter()
            .map(|f| {
                let (name, actions) = self.names[&f.rule_id].clone();
                FiringPlan {
                    run_id: self.run_of.get(&f.rule_id).copied(),
                    rule_name: name,
                    actions,
                    as_of: self.as_of,
                    firing: f,
                }
            })
            .collect();
        // A lease moves to the page's cursor when the page is past it; the others are
        // only renewed.
        let leases: Vec<(RuleLease, RunProgress)> = self
            .leases
            .iter()
            .map(|(l, scope)| {
                let progress = if cursor > l.cursor {
                    RunProgress {
                        cursor,
                        evaluated: evaluated.of(*scope),
                    }
                } else {
                    RunProgress {
                        cursor: l.cursor,
                        evaluated: 0,
                    }
                };
                (l.clone(), progress)
            })
            .collect();
        let a = self
            .store
            .apply_firings(&leases, &plans, &[], (self.now)())
            .await?;
        for (l, _) in &mut self.leases {
            l.cursor = l.cursor.max(cursor);
        }
        self.applied.new += a.new;
        self.applied.failures += a.failures;
        self.pages += 1;
        Ok(true)
    }
}

/// Runs every enabled daily rule for `as_of` that nobody ran yet: claims each rule's
/// (rule, date) lease, scans the book once for all of them, and finishes the runs.
/// `now` is read for every write, so a long run keeps its leases fresh.
pub async fn run_date(
    store: &dyn Store,
    as_of: NaiveDate,
    source: &str,
    owner: &str,
    now: &(dyn Fn() -> DateTime<Utc> + Send + Sync),
    limits: RunLimits,
) -> Result<Vec<RuleRunOutcome>, StoreError> {
    let all = store.rules().await?;
    let daily: Vec<&StoredRule> = all
        .iter()
        .filter(|r| r.rule.enabled && r.rule.is_daily())
        .collect();
    run_rules(store, &daily, as_of, source, owner, now, limits).await
}

async fn run_rules(
    store: &dyn Store,
    rules: &[&StoredRule],
    as_of: NaiveDate,
    source: &str,
    owner: &str,
    now: &(dyn Fn() -> DateTime<Utc> + Send + Sync),
    limits: RunLimits,
) -> Result<Vec<RuleRunOutcome>, StoreError> {
    let mut outcomes = Vec::new();
    let mut held: Vec<(&StoredRule, RuleLease)> = Vec::new();
    for r in rules {
        let t = now();
        let outcome = |status: &str, run| RuleRunOutcome {
            rule_id: r.id,
            rule_name: r.rule.name.clone(),
            status: status.into(),
            run,
        };
        match store
            .claim_rule_run(
                r.id,
                as_of,
                source,
                owner,
                t,
                t - Duration::seconds(LEASE_STALE_SECS),
            )
            .await?
        {
            RunClaim::Lease(l) => held.push((r, l)),
            RunClaim::Finished(run) => outcomes.push(outcome("already_done", Some(run))),
            RunClaim::Busy => outcomes.push(outcome("busy", None)),
        }
    }
    if held.is_empty() {
        return Ok(outcomes);
    }
    let book = Book::load(store, as_of, None).await?;
    let targets: Vec<(i64, &Rule, i64)> = held
        .iter()
        .map(|(r, l)| (r.id, &r.rule, l.cursor))
        .collect();
    let mut applier = Applier {
        store,
        leases: held
            .iter()
            .map(|(r, l)| (l.clone(), r.rule.scope))
            .collect(),
        names: held
            .iter()
            .map(|(r, _)| (r.id, (r.rule.name.clone(), r.rule.actions.clone())))
            .collect(),
        run_of: held.iter().map(|(r, l)| (r.id, l.run_id)).collect(),
        as_of,
        now,
        pages: 0,
        crash_after: limits.crash_after_pages,
        applied: Applied::default(),
    };
    let complete = scan(store, &targets, &book, limits.page_size, &mut applier).await?;
    if !complete {
        return Ok(outcomes);
    }
    for (r, l) in &held {
        let run = store.finish_rule_run(l, now()).await?;
        outcomes.push(RuleRunOutcome {
            rule_id: r.id,
            rule_name: r.rule.name.clone(),
            status: "ran".into(),
            run: Some(run),
        });
    }
    Ok(outcomes)
}

impl<T: AsyncPage> AsyncPage for &mut T {
    async fn page(
        &mut self,
        firings: Vec<Firing>,
        cursor: i64,
        evaluated: Evaluated,
    ) -> Result<bool, StoreError> {
        (**self).page(firings, cursor, evaluated).await
    }
}

/// The scheduler's tick: every enabled daily rule's due dates (catching up missed days,
/// at most `MAX_CATCH_UP_DAYS`), oldest first, each date in one scan.
pub async fn run_due(
    store: &dyn Store,
    owner: &str,
    now: &(dyn Fn() -> DateTime<Utc> + Send + Sync),
) -> Result<Vec<RuleRunOutcome>, StoreError> {
    let all = store.rules().await?;
    let last = store.last_rule_runs().await?;
    let local = now()
        .with_timezone(&crate::domain::BUSINESS_TZ)
        .naive_local();
    let mut by_date: std::collections::BTreeMap<NaiveDate, Vec<&StoredRule>> = Default::default();
    for r in all.iter().filter(|r| r.rule.enabled) {
        if let Trigger::Daily { at } = r.rule.trigger {
            for d in rules::due_dates(at, r.created_on, last.get(&r.id).copied(), local) {
                by_date.entry(d).or_default().push(r);
            }
        }
    }
    let mut out = Vec::new();
    for (date, rules) in by_date {
        out.extend(
            run_rules(
                store,
                &rules,
                date,
                "schedule",
                owner,
                now,
                RunLimits::default(),
            )
            .await?,
        );
    }
    Ok(out)
}

/// What one promise check settled.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PromiseCheck {
    pub kept: usize,
    pub broken: usize,
}

/// Judges every pending promise at today's business date against the payments
/// allocated to its invoices (`collections::promise_state`). A promise leaves pending
/// once (the store's guarded update), and the update that settles it as broken records
/// the `promise_broken` event, which the rules then see (`events::after_write`).
pub async fn check_promises(
    store: &dyn Store,
    now: DateTime<Utc>,
) -> Result<PromiseCheck, StoreError> {
    use crate::domain::collections::{promise_state, PromiseState};
    const PAGE: i64 = 1_000;
    let today = business_date(now);
    let mut done = PromiseCheck::default();
    let mut after = 0;
    loop {
        let page = store.pending_promises(after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        for p in &page {
            let state = promise_state(&p.promise, &p.allocations, p.grace_days, today);
            if matches!(state, PromiseState::Pending)
                || !store.settle_promise(p.id, state, now).await?
            {
                continue;
            }
            match state {
                PromiseState::Broken { .. } => done.broken += 1,
                _ => done.kept += 1,
            }
        }
    }
    if done.broken > 0 {
        crate::events::after_write(store, now).await;
    }
    Ok(done)
}

/// One target a preview lists.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PreviewTarget {
    pub customer_id: Option<i64>,
    pub customer_name: Option<String>,
    pub invoice_number: Option<String>,
    pub overdue: crate::domain::money::Money,
    pub dedupe_key: String,
}

/// "Today this rule would fire for these N targets."
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Preview {
    pub as_of: NaiveDate,
    pub count: i64,
    pub targets: Vec<PreviewTarget>,
}

struct Collector {
    firings: Vec<Firing>,
    count: i64,
    keep: usize,
}

impl AsyncPage for Collector {
    async fn page(
        &mut self,
        firings: Vec<Firing>,
        _: i64,
        _: Evaluated,
    ) -> Result<bool, StoreError> {
        for f in firings {
            self.count += 1;
            if self.firings.len() < self.keep {
                self.firings.push(f);
            }
        }
        Ok(true)
    }
}

/// Evaluates a draft rule over the book at `as_of` without writing anything.
pub async fn preview(
    store: &dyn Store,
    rule: &Rule,
    as_of: NaiveDate,
    keep: usize,
) -> Result<Preview, StoreError> {
    let book = Book::load(store, as_of, None).await?;
    let mut c = Collector {
        firings: Vec::new(),
        count: 0,
        keep,
    };
    scan(store, &[(0, rule, 0)], &book, PAGE, &mut c).await?;
    // The kept firings' invoice numbers, from their customers' open invoices.
    let mut numbers: HashMap<i64, String> = HashMap::new();
    let customers: HashSet<i64> = c
        .firings
        .iter()
        .filter(|f| f.invoice_id.is_some())
        .filter_map(|f| f.customer_id)
        .collect();
    for id in customers {
        numbers.extend(
            store
                .rule_invoices(as_of, id - 1, id)
                .await?
                .into_iter()
                .map(|i| (i.id, i.number)),
        );
    }
    let names: HashMap<i64, &str> = book
        .customers
        .iter()
        .map(|c| (c.id, c.name.as_str()))
        .collect();
    let targets = c
        .firings
        .iter()
        .map(|f| PreviewTarget {
            customer_id: f.customer_id,
            customer_name: f
                .customer_id
                .and_then(|id| names.get(&id))
                .map(|n| n.to_string()),
            invoice_number: f.invoice_id.and_then(|id| numbers.get(&id).cloned()),
            overdue: crate::domain::money::Money::from_minor(
                f.overdue_minor,
                crate::domain::BOOK_CURRENCY,
            ),
            dedupe_key: f.key.clone(),
        })
        .collect();
    Ok(Preview {
        as_of,
        count: c.count,
        targets,
    })
}

/// A back-test's result: the rule replayed day by day over a past year.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct BacktestResult {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub firings: i64,
    pub customers: i64,
    /// The overdue amount the firings covered (each firing's invoice, customer or
    /// portfolio overdue on its day).
    pub overdue: Option<crate::domain::money::Money>,
}

struct Replay {
    keys: HashSet<String>,
    customers: HashSet<i64>,
    firings: i64,
    overdue_minor: i64,
}

impl AsyncPage for Replay {
    async fn page(
        &mut self,
        firings: Vec<Firing>,
        _: i64,
        _: Evaluated,
    ) -> Result<bool, StoreError> {
        for f in firings {
            if self.keys.insert(f.key) {
                self.firings += 1;
                self.overdue_minor += f.overdue_minor;
                self.customers.extend(f.customer_id);
            }
        }
        Ok(true)
    }
}

/// Replays a rule over the days `from..=to` on the ledger as it stood each day (point
/// in time; a customer's status, grade and levels are today's, which history does not
/// keep), with its dedupe keys, so a once-per-invoice rule counts once. `progress` is
/// told each day done.
pub async fn backtest(
    store: &dyn Store,
    rule: &Rule,
    from: NaiveDate,
    to: NaiveDate,
    progress: &(dyn Fn(i64, i64) + Send + Sync),
) -> Result<BacktestResult, StoreError> {
    let days = (to - from).num_days() + 1;
    let mut replay = Replay {
        keys: HashSet::new(),
        customers: HashSet::new(),
        firings: 0,
        overdue_minor: 0,
    };
    let mut day = from;
    let mut done = 0;
    while day <= to {
        let book = Book::load(store, day, None).await?;
        scan(store, &[(0, rule, 0)], &book, PAGE, &mut replay).await?;
        done += 1;
        progress(done, days);
        day += Duration::days(1);
    }
    Ok(BacktestResult {
        from: Some(from),
        to: Some(to),
        firings: replay.firings,
        customers: replay.customers.len() as i64,
        overdue: Some(crate::domain::money::Money::from_minor(
            replay.overdue_minor,
            crate::domain::BOOK_CURRENCY,
        )),
    })
}

struct Counter {
    evaluated: i64,
    firings: i64,
}

impl AsyncPage for Counter {
    async fn page(
        &mut self,
        firings: Vec<Firing>,
        _: i64,
        evaluated: Evaluated,
    ) -> Result<bool, StoreError> {
        self.evaluated += evaluated.invoices + evaluated.customers + evaluated.portfolio;
        self.firings += firings.len() as i64;
        Ok(true)
    }
}

/// Evaluates rules over the book at `as_of` in one scan, writing nothing: the targets
/// evaluated and the firings decided (what the benchmark times as "evaluation").
pub async fn dry_run(
    store: &dyn Store,
    rules: &[(i64, &Rule)],
    as_of: NaiveDate,
) -> Result<(i64, i64), StoreError> {
    let book = Book::load(store, as_of, None).await?;
    let targets: Vec<(i64, &Rule, i64)> = rules.iter().map(|(id, r)| (*id, *r, 0)).collect();
    let mut c = Counter {
        evaluated: 0,
        firings: 0,
    };
    scan(store, &targets, &book, PAGE, &mut c).await?;
    Ok((c.evaluated, c.firings))
}
