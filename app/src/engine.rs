//! Running collection rules: the daily run (scheduled, caught up, or asked for by the
//! admin endpoint), event firings, the dry-run preview and the back-test.
//!
//! Invariants:
//! - All of a date's daily rules are evaluated in one scan of the book: one pass over
//!   the open invoices at that date, one over the customers. Each rule still has its
//!   own run row and lease (`UNIQUE(rule, run_date)`), so a rule another worker holds
//!   or already ran is skipped, and every page commits the firings of all the rules this
//!   worker holds together with each run's cursor.
//! - Memory is bounded by one page of invoices plus the customers' facts: nothing holds
//!   the whole book.
//! - A run that dies mid-way is taken over once its lease is stale and resumes after
//!   its cursor; what it had committed is not redone, and the dedupe keys make any
//!   overlap harmless.
//! - Preview and back-test call the same `evaluate` and never write.
use crate::domain::business_date;
use crate::domain::rules::{self, CustomerFacts, EventKind, Facts, Firing, PortfolioFacts, Rule, Scope, Trigger};
use crate::store::{Applied, FiringPlan, RuleLease, RuleRun, RunClaim, RunProgress, Store, StoreError, StoredRule};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use std::collections::{HashMap, HashSet};

/// Invoices read per page.
pub const PAGE: i64 = 20_000;
/// A lease not renewed for this long is taken over.
pub const LEASE_STALE_SECS: i64 = 120;

/// The book as rules see it at one date: every customer's facts, and the portfolio's.
pub struct Book {
    pub as_of: NaiveDate,
    pub customers: Vec<CustomerFacts>,
    index: HashMap<i64, usize>,
    pub portfolio: PortfolioFacts,
}

impl Book {
    pub async fn load(store: &dyn Store, as_of: NaiveDate, only: Option<i64>) -> Result<Book, StoreError> {
        let customers = store.rule_customers(as_of, only).await?;
        let index = customers.iter().enumerate().map(|(i, c)| (c.id, i)).collect();
        let portfolio = PortfolioFacts {
            overdue_minor: customers.iter().map(|c| c.overdue_minor).sum(),
            overdue_customers: customers.iter().filter(|c| c.overdue_minor > 0).count() as i64,
        };
        Ok(Book { as_of, customers, index, portfolio })
    }

    pub fn customer(&self, id: i64) -> Option<&CustomerFacts> {
        self.index.get(&id).map(|&i| &self.customers[i])
    }
}

/// Evaluates `rules` over the book, page by page, calling `page` with each page's
/// firings and the cursor reached (invoice ids for invoice rules, customer ids for
/// customer rules; the portfolio is one target). A rule skips targets at or below its
/// own `from` cursor. Stops early when `page` returns false.
async fn scan<F>(store: &dyn Store, rules: &[(i64, &Rule, i64)], book: &Book, page_size: i64, mut page: F) -> Result<bool, StoreError>
where
    F: AsyncPage,
{
    let as_of = book.as_of;
    let of_scope = |s: Scope| rules.iter().filter(move |(_, r, _)| r.scope == s).collect::<Vec<_>>();
    let invoice_rules = of_scope(Scope::Invoice);
    if !invoice_rules.is_empty() {
        let mut cursor = invoice_rules.iter().map(|(_, _, from)| *from).min().unwrap_or(0);
        loop {
            let (invoices, last) = store.rule_invoices(as_of, cursor, page_size, None).await?;
            let Some(last) = last else { break };
            let mut firings = Vec::new();
            for inv in &invoices {
                let facts = Facts { as_of, invoice: Some(inv), customer: book.customer(inv.customer_id), portfolio: Some(&book.portfolio) };
                for (id, rule, from) in &invoice_rules {
                    if inv.id > *from {
                        firings.extend(rules::evaluate(*id, rule, &facts, None));
                    }
                }
            }
            if !page.page(Scope::Invoice, firings, last, invoices.len() as i64).await? {
                return Ok(false);
            }
            cursor = last;
        }
    }
    let customer_rules = of_scope(Scope::Customer);
    if !customer_rules.is_empty() {
        let from = customer_rules.iter().map(|(_, _, from)| *from).min().unwrap_or(0);
        let todo: Vec<&CustomerFacts> = book.customers.iter().filter(|c| c.id > from).collect();
        for chunk in todo.chunks(page_size.max(1) as usize) {
            let mut firings = Vec::new();
            for c in chunk {
                let facts = Facts { as_of, invoice: None, customer: Some(c), portfolio: Some(&book.portfolio) };
                for (id, rule, from) in &customer_rules {
                    if c.id > *from {
                        firings.extend(rules::evaluate(*id, rule, &facts, None));
                    }
                }
            }
            let last = chunk.last().map_or(from, |c| c.id);
            if !page.page(Scope::Customer, firings, last, chunk.len() as i64).await? {
                return Ok(false);
            }
        }
    }
    let portfolio_rules = of_scope(Scope::Portfolio);
    if portfolio_rules.iter().any(|(_, _, from)| *from == 0) {
        let facts = Facts { as_of, invoice: None, customer: None, portfolio: Some(&book.portfolio) };
        let firings = portfolio_rules.iter().filter(|(_, _, from)| *from == 0).filter_map(|(id, rule, _)| rules::evaluate(*id, rule, &facts, None)).collect();
        if !page.page(Scope::Portfolio, firings, 1, 1).await? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// A page callback (an async closure over borrowed state, spelled as a trait).
trait AsyncPage {
    async fn page(&mut self, scope: Scope, firings: Vec<Firing>, cursor: i64, evaluated: i64) -> Result<bool, StoreError>;
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
        RunLimits { page_size: PAGE, crash_after_pages: None }
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
    async fn page(&mut self, scope: Scope, firings: Vec<Firing>, cursor: i64, evaluated: i64) -> Result<bool, StoreError> {
        if self.crash_after.is_some_and(|n| self.pages >= n) {
            return Ok(false);
        }
        let plans: Vec<FiringPlan> = firings
            .into_iter()
            .map(|f| {
                let (name, actions) = self.names[&f.rule_id].clone();
                FiringPlan { run_id: self.run_of.get(&f.rule_id).copied(), rule_name: name, actions, as_of: self.as_of, firing: f }
            })
            .collect();
        // Only the leases of this page's scope move their cursor; the others are renewed.
        let leases: Vec<(RuleLease, RunProgress)> = self
            .leases
            .iter()
            .map(|(l, s)| {
                let progress = if *s == scope && cursor > l.cursor { RunProgress { cursor, evaluated } } else { RunProgress { cursor: l.cursor, evaluated: 0 } };
                (l.clone(), progress)
            })
            .collect();
        let a = self.store.apply_firings(&leases, &plans, (self.now)()).await?;
        for (l, s) in &mut self.leases {
            if *s == scope && cursor > l.cursor {
                l.cursor = cursor;
            }
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
    let daily: Vec<&StoredRule> = all.iter().filter(|r| r.rule.enabled && r.rule.is_daily()).collect();
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
        let outcome = |status: &str, run| RuleRunOutcome { rule_id: r.id, rule_name: r.rule.name.clone(), status: status.into(), run };
        match store.claim_rule_run(r.id, as_of, source, owner, t, t - Duration::seconds(LEASE_STALE_SECS)).await? {
            RunClaim::Lease(l) => held.push((r, l)),
            RunClaim::Finished(run) => outcomes.push(outcome("already_done", Some(run))),
            RunClaim::Busy => outcomes.push(outcome("busy", None)),
        }
    }
    if held.is_empty() {
        return Ok(outcomes);
    }
    let book = Book::load(store, as_of, None).await?;
    let targets: Vec<(i64, &Rule, i64)> = held.iter().map(|(r, l)| (r.id, &r.rule, l.cursor)).collect();
    let mut applier = Applier {
        store,
        leases: held.iter().map(|(r, l)| (l.clone(), r.rule.scope)).collect(),
        names: held.iter().map(|(r, _)| (r.id, (r.rule.name.clone(), r.rule.actions.clone()))).collect(),
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
        outcomes.push(RuleRunOutcome { rule_id: r.id, rule_name: r.rule.name.clone(), status: "ran".into(), run: Some(run) });
    }
    Ok(outcomes)
}

impl<T: AsyncPage> AsyncPage for &mut T {
    async fn page(&mut self, scope: Scope, firings: Vec<Firing>, cursor: i64, evaluated: i64) -> Result<bool, StoreError> {
        (**self).page(scope, firings, cursor, evaluated).await
    }
}

/// The scheduler's tick: every enabled daily rule's due dates (catching up missed days,
/// at most `MAX_CATCH_UP_DAYS`), oldest first, each date in one scan.
pub async fn run_due(store: &dyn Store, owner: &str, now: &(dyn Fn() -> DateTime<Utc> + Send + Sync)) -> Result<Vec<RuleRunOutcome>, StoreError> {
    let all = store.rules().await?;
    let last = store.last_rule_runs().await?;
    let local = now().with_timezone(&crate::domain::BUSINESS_TZ).naive_local();
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
        out.extend(run_rules(store, &rules, date, "schedule", owner, now, RunLimits::default()).await?);
    }
    Ok(out)
}

/// Fires the enabled event rules of `kind` for one customer (and invoice), keyed on the
/// event's document id so the same event never fires a rule twice.
pub async fn fire_event(
    store: &dyn Store,
    kind: EventKind,
    customer_id: i64,
    invoice_id: Option<i64>,
    event_ref: i64,
    now: DateTime<Utc>,
) -> Result<Applied, StoreError> {
    let all = store.rules().await?;
    let matching: Vec<&StoredRule> = all.iter().filter(|r| r.rule.enabled && r.rule.trigger == Trigger::Event { kind }).collect();
    if matching.is_empty() {
        return Ok(Applied::default());
    }
    let as_of = business_date(now);
    let book = Book::load(store, as_of, Some(customer_id)).await?;
    let invoice = match invoice_id {
        Some(id) => store.rule_invoices(as_of, id - 1, 1, Some(customer_id)).await?.0.into_iter().find(|i| i.id == id),
        None => None,
    };
    let facts = Facts { as_of, invoice: invoice.as_ref(), customer: book.customer(customer_id), portfolio: Some(&book.portfolio) };
    let plans: Vec<FiringPlan> = matching
        .iter()
        .filter_map(|r| {
            rules::evaluate(r.id, &r.rule, &facts, Some(event_ref))
                .map(|firing| FiringPlan { firing, run_id: None, rule_name: r.rule.name.clone(), actions: r.rule.actions.clone(), as_of })
        })
        .collect();
    if plans.is_empty() {
        return Ok(Applied::default());
    }
    store.apply_firings(&[], &plans, now).await
}

/// `fire_event`, logging instead of failing: the document that raised the event is
/// already committed, and a rule must never make posting it fail.
pub async fn after_event(store: &dyn Store, kind: EventKind, customer_id: i64, invoice_id: Option<i64>, event_ref: i64, now: DateTime<Utc>) {
    if let Err(e) = fire_event(store, kind, customer_id, invoice_id, event_ref, now).await {
        tracing::warn!(error = %e, event = %kind, customer_id, "event rules failed");
    }
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

struct Collector<'a> {
    book: &'a Book,
    numbers: HashMap<i64, String>,
    firings: Vec<Firing>,
    keys: HashSet<String>,
    count: i64,
    keep: usize,
}

impl AsyncPage for Collector<'_> {
    async fn page(&mut self, _: Scope, firings: Vec<Firing>, _: i64, _: i64) -> Result<bool, StoreError> {
        for f in firings {
            if self.keys.insert(f.key.clone()) {
                self.count += 1;
                if self.firings.len() < self.keep {
                    self.firings.push(f);
                }
            }
        }
        Ok(true)
    }
}

/// Evaluates a draft rule over the book at `as_of` without writing anything.
pub async fn preview(store: &dyn Store, rule: &Rule, as_of: NaiveDate, keep: usize) -> Result<Preview, StoreError> {
    let book = Book::load(store, as_of, None).await?;
    let mut c = Collector { book: &book, numbers: HashMap::new(), firings: Vec::new(), keys: HashSet::new(), count: 0, keep };
    scan(store, &[(0, rule, 0)], &book, PAGE, &mut c).await?;
    // Invoice numbers of the kept firings (the scan does not keep them).
    for f in &c.firings {
        if let (Some(inv), Some(cust)) = (f.invoice_id, f.customer_id) {
            if let Some(i) = store.rule_invoices(as_of, inv - 1, 1, Some(cust)).await?.0.into_iter().find(|i| i.id == inv) {
                c.numbers.insert(inv, i.number);
            }
        }
    }
    let targets = c
        .firings
        .iter()
        .map(|f| PreviewTarget {
            customer_id: f.customer_id,
            customer_name: f.customer_id.and_then(|id| c.book.customer(id)).map(|c| c.name.clone()),
            invoice_number: f.invoice_id.and_then(|id| c.numbers.get(&id).cloned()),
            overdue: crate::domain::money::Money::from_minor(f.overdue_minor, crate::domain::BOOK_CURRENCY),
            dedupe_key: f.key.clone(),
        })
        .collect();
    Ok(Preview { as_of, count: c.count, targets })
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
    async fn page(&mut self, _: Scope, firings: Vec<Firing>, _: i64, _: i64) -> Result<bool, StoreError> {
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
    let mut replay = Replay { keys: HashSet::new(), customers: HashSet::new(), firings: 0, overdue_minor: 0 };
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
        overdue: Some(crate::domain::money::Money::from_minor(replay.overdue_minor, crate::domain::BOOK_CURRENCY)),
    })
}

struct Counter {
    evaluated: i64,
    firings: i64,
}

impl AsyncPage for Counter {
    async fn page(&mut self, _: Scope, firings: Vec<Firing>, _: i64, evaluated: i64) -> Result<bool, StoreError> {
        self.evaluated += evaluated;
        self.firings += firings.len() as i64;
        Ok(true)
    }
}

/// Evaluates rules over the book at `as_of` in one scan, writing nothing: the targets
/// evaluated and the firings decided (what the benchmark times as "evaluation").
pub async fn dry_run(store: &dyn Store, rules: &[(i64, &Rule)], as_of: NaiveDate) -> Result<(i64, i64), StoreError> {
    let book = Book::load(store, as_of, None).await?;
    let targets: Vec<(i64, &Rule, i64)> = rules.iter().map(|(id, r)| (*id, *r, 0)).collect();
    let mut c = Counter { evaluated: 0, firings: 0 };
    scan(store, &targets, &book, PAGE, &mut c).await?;
    Ok((c.evaluated, c.firings))
}
