//! Credit scoring pages: `/scoring` (the active model as an editable table, its versions,
//! rescoring and the industries' risk factors), `/scoring/backtest` (a model version, or
//! two side by side, applied at a past date against what happened next), and the credit
//! score card on the customer page.
//!
//! The editor keeps every typed field as text and parses it into a `ModelDraft` only on
//! save, naming each field that is not a number; the server then parses the draft into a
//! `ScoringModel` and names every rule that does not hold (weights add up to 100, bands
//! increase, …). A weight of 0 leaves the indicator out of the model. Only finance edits;
//! everyone else reads the same tables with the inputs disabled. Charts sit beside the
//! exact tables they draw, so every figure is readable before hydration.
use super::cockpit_charts::grade_colour;
use crate::api::scoring::{
    get_customer_score, get_scoring_page, ActivateModelVersion, BacktestArgs, BacktestResult,
    CustomerScore, RescoreAll, RescoreCustomer, RunBacktest, SaveCustomerFactors, SaveIndustryRisk,
    SaveModelVersion, ScoringPage as PageData,
};
use crate::domain::customer::Grade;
use crate::domain::scoring::{
    BandDraft, Indicator, ModelDraft, PolicyDraft, RuleDraft, ThresholdsDraft,
};
use crate::error::AppError;
use crate::i18n::*;
use crate::records::{ModelVersion, ScorePoint, StoredScore};
use crate::ui::chart::scene::{Chart, Column, Columns, Datum, BLUE, ORANGE};
use crate::ui::chart::ChartCanvas;
use crate::ui::format::{money_compact, ErrorNotice};
use leptos::prelude::*;
use leptos_i18n::I18nContext;
use leptos_router::components::A;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use std::str::FromStr;

type I18n = I18nContext<Locale>;

/// An indicator's name in the reader's language.
pub fn indicator_label(i18n: I18n, i: Indicator) -> String {
    match i {
        Indicator::YearsOfCooperation => t_string!(i18n, scoring.ind_years),
        Indicator::Sales12m => t_string!(i18n, scoring.ind_sales),
        Indicator::AvgDaysToPay => t_string!(i18n, scoring.ind_avg_days),
        Indicator::OnTimeRate => t_string!(i18n, scoring.ind_on_time),
        Indicator::OverdueCount12m => t_string!(i18n, scoring.ind_overdue_count),
        Indicator::MaxDaysOverdue12m => t_string!(i18n, scoring.ind_max_days),
        Indicator::OverdueRatio => t_string!(i18n, scoring.ind_overdue_ratio),
        Indicator::RegisteredCapital => t_string!(i18n, scoring.ind_capital),
        Indicator::IndustryRisk => t_string!(i18n, scoring.ind_industry),
        Indicator::ExternalRating => t_string!(i18n, scoring.ind_rating),
    }
    .to_string()
}

/// The unit an indicator's values and band thresholds are in.
fn unit_label(i18n: I18n, i: Indicator) -> String {
    match i.unit() {
        "years" => t_string!(i18n, scoring.unit_years).to_string(),
        "days" => t_string!(i18n, scoring.unit_days).to_string(),
        "count" => t_string!(i18n, scoring.unit_count).to_string(),
        "factor" => t_string!(i18n, scoring.unit_factor).to_string(),
        "rating" => t_string!(i18n, scoring.unit_rating).to_string(),
        other => other.to_string(),
    }
}

/// An indicator's value as a person reads it; unknown is a dash.
fn value_text(i18n: I18n, i: Indicator, v: Option<Decimal>) -> String {
    let Some(v) = v else { return "—".into() };
    match i {
        Indicator::Sales12m | Indicator::RegisteredCapital => {
            crate::domain::money::Money::new(v, crate::domain::BOOK_CURRENCY)
                .map(|m| money_compact(i18n, m))
                .unwrap_or_else(|_| v.to_string())
        }
        Indicator::OnTimeRate | Indicator::OverdueRatio => format!("{}%", v.normalize()),
        Indicator::AvgDaysToPay | Indicator::MaxDaysOverdue12m => {
            format!("{} {}", v.normalize(), unit_label(i18n, i))
        }
        Indicator::YearsOfCooperation => format!("{} {}", v.normalize(), unit_label(i18n, i)),
        _ => v.normalize().to_string(),
    }
}

fn version_label(i18n: I18n, v: i64) -> String {
    if v == 0 {
        t_string!(i18n, scoring.default_version).to_string()
    } else {
        format!("v{v}")
    }
}

fn when(t: chrono::DateTime<chrono::Utc>) -> String {
    t.with_timezone(&crate::domain::BUSINESS_TZ)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// A server refusal's named fields, one per line ("field: problem; field: problem").
#[component]
fn FieldErrors(#[prop(into)] errors: Signal<Vec<String>>, testid: &'static str) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Show when=move || errors.with(|e| !e.is_empty())>
            <div class="notice notice-error score-errors" role="alert" data-testid=testid>
                <strong>{t!(i18n, scoring.not_saved)}</strong>
                <ul>{move || errors.get().into_iter().map(|e| view! { <li>{e}</li> }).collect_view()}</ul>
            </div>
        </Show>
    }
    .into_any()
}

/// The messages of a failed action: an input error's named fields, or the error's words.
fn action_errors<T, S>(value: S) -> Signal<Vec<String>>
where
    S: Get<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
{
    Signal::derive(move || match value.get() {
        Some(Err(AppError::Invalid(m))) => m.split("; ").map(str::to_string).collect(),
        Some(Err(e)) => vec![e.to_string()],
        _ => Vec::new(),
    })
}

// ------------------------------------------------------------------ the editor

#[derive(Clone, Copy)]
struct BandRow {
    key: u64,
    from: RwSignal<String>,
    points: RwSignal<String>,
}

#[derive(Clone, Copy)]
struct RuleRow {
    indicator: Indicator,
    weight: RwSignal<String>,
    missing: RwSignal<String>,
    bands: RwSignal<Vec<BandRow>>,
}

#[derive(Clone, Copy)]
struct PolicyRow {
    grade: Grade,
    pct: RwSignal<String>,
    cap: RwSignal<String>,
    terms: RwSignal<String>,
}

/// A decimal as typed: no trailing zeros (a cap of 500000.00 shows as 500000).
fn plain(d: Decimal) -> String {
    d.normalize().to_string()
}

/// The editor's fields, one text signal per input, for all ten indicators.
#[derive(Clone, Copy)]
struct Fields {
    rules: StoredValue<Vec<RuleRow>>,
    thresholds: [RwSignal<String>; 3],
    policies: StoredValue<Vec<PolicyRow>>,
    next_key: StoredValue<u64>,
}

impl Fields {
    fn new(d: &ModelDraft) -> Fields {
        let next_key = StoredValue::new(0u64);
        let band = |from: String, points: String| {
            let key = next_key.get_value();
            next_key.set_value(key + 1);
            BandRow {
                key,
                from: RwSignal::new(from),
                points: RwSignal::new(points),
            }
        };
        let rules = Indicator::ALL
            .into_iter()
            .map(|indicator| {
                let r = d
                    .rules
                    .iter()
                    .find(|r| Indicator::parse(&r.indicator) == Some(indicator));
                RuleRow {
                    indicator,
                    weight: RwSignal::new(r.map_or_else(|| "0".into(), |r| plain(r.weight))),
                    missing: RwSignal::new(
                        r.map_or_else(|| "0".into(), |r| plain(r.missing_points)),
                    ),
                    bands: RwSignal::new(r.map_or_else(Vec::new, |r| {
                        r.bands
                            .iter()
                            .map(|b| band(plain(b.from), plain(b.points)))
                            .collect()
                    })),
                }
            })
            .collect();
        let policies = Grade::ALL
            .into_iter()
            .map(|grade| {
                let p = d.policies.iter().find(|p| p.grade.trim() == grade.as_str());
                let text = |f: fn(&PolicyDraft) -> Decimal| {
                    RwSignal::new(p.map(|p| plain(f(p))).unwrap_or_default())
                };
                PolicyRow {
                    grade,
                    pct: text(|p| p.limit_pct_of_sales),
                    cap: text(|p| p.limit_cap),
                    terms: text(|p| p.terms_days),
                }
            })
            .collect();
        let t = &d.thresholds;
        Fields {
            rules: StoredValue::new(rules),
            thresholds: [
                RwSignal::new(plain(t.a)),
                RwSignal::new(plain(t.b)),
                RwSignal::new(plain(t.c)),
            ],
            policies: StoredValue::new(policies),
            next_key,
        }
    }

    fn add_band(&self, rule: &RuleRow) {
        let key = self.next_key.get_value();
        self.next_key.set_value(key + 1);
        rule.bands.update(|b| {
            b.push(BandRow {
                key,
                from: RwSignal::new(String::new()),
                points: RwSignal::new(String::new()),
            })
        });
    }

    /// The draft the fields spell, or every field that is not a number. A weight of 0
    /// (or blank) leaves the indicator out.
    fn draft(&self) -> Result<ModelDraft, Vec<String>> {
        let mut errors = Vec::new();
        let mut num = |field: String, text: &str| -> Decimal {
            Decimal::from_str(text.trim()).unwrap_or_else(|_| {
                errors.push(format!("{field}: '{}' is not a number", text.trim()));
                Decimal::ZERO
            })
        };
        let mut rules = Vec::new();
        for r in self.rules.get_value() {
            let name = r.indicator.as_str();
            let weight_text = r.weight.get_untracked();
            if weight_text.trim().is_empty() {
                continue;
            }
            let weight = num(format!("weight[{name}]"), &weight_text);
            if weight.is_zero() {
                continue;
            }
            let bands = r
                .bands
                .get_untracked()
                .iter()
                .enumerate()
                .map(|(j, b)| BandDraft {
                    from: num(format!("bands[{name}][{j}].from"), &b.from.get_untracked()),
                    points: num(
                        format!("bands[{name}][{j}].points"),
                        &b.points.get_untracked(),
                    ),
                })
                .collect();
            let missing_points = num(
                format!("missing_points[{name}]"),
                &r.missing.get_untracked(),
            );
            rules.push(RuleDraft {
                indicator: name.to_string(),
                weight,
                bands,
                missing_points,
            });
        }
        let [a, b, c] = self.thresholds.map(|s| s.get_untracked());
        let thresholds = ThresholdsDraft {
            a: num("thresholds.A".into(), &a),
            b: num("thresholds.B".into(), &b),
            c: num("thresholds.C".into(), &c),
        };
        let policies = self
            .policies
            .get_value()
            .iter()
            .map(|p| {
                let g = p.grade.as_str();
                PolicyDraft {
                    grade: g.to_string(),
                    limit_pct_of_sales: num(
                        format!("limit_pct_of_sales[{g}]"),
                        &p.pct.get_untracked(),
                    ),
                    limit_cap: num(format!("limit_cap[{g}]"), &p.cap.get_untracked()),
                    terms_days: num(format!("terms_days[{g}]"), &p.terms.get_untracked()),
                }
            })
            .collect();
        if errors.is_empty() {
            Ok(ModelDraft {
                rules,
                thresholds,
                policies,
            })
        } else {
            Err(errors)
        }
    }
}

/// A text input bound to a signal; `label` names it for screen readers (the table's
/// column header says it for everyone else).
fn field_input(
    signal: RwSignal<String>,
    can: bool,
    label: String,
    testid: String,
) -> impl IntoView {
    view! {
        <input
            class="score-input"
            inputmode="decimal"
            value=signal.get_untracked()
            on:input=move |ev| signal.set(event_target_value(&ev))
            disabled=!can
            aria-label=label
            data-testid=testid
        />
    }
}

fn rule_row(i18n: I18n, fields: Fields, rule: RuleRow, can: bool) -> impl IntoView {
    let name = rule.indicator.as_str();
    let label = indicator_label(i18n, rule.indicator);
    let band_label = label.clone();
    let unit = unit_label(i18n, rule.indicator);
    let bands = move || {
        rule.bands
            .get()
            .into_iter()
            .enumerate()
            .map(|(j, b)| {
                let remove = move |_| rule.bands.update(|v| v.retain(|x| x.key != b.key));
                view! {
                    <li class="band">
                        {field_input(b.from, can, format!("{band_label} ≥"), format!("band-{name}-{j}-from"))}
                        <span class="muted">"→"</span>
                        {field_input(b.points, can, t_string!(i18n, scoring.points).to_string(), format!("band-{name}-{j}-points"))}
                        {can.then(|| view! {
                            <button type="button" class="btn-ghost icon-btn" on:click=remove aria-label=move || t_string!(i18n, scoring.remove_band) data-testid=format!("band-{name}-{j}-remove")>"×"</button>
                        })}
                    </li>
                }
            })
            .collect_view()
    };
    let add = move |_| fields.add_band(&rule);
    let label2 = label.clone();
    view! {
        <tr data-testid=format!("rule-{name}")>
            <td class="name-cell">
                <span class="strong">{label.clone()}</span>
                <span class="muted small">{unit}</span>
            </td>
            <td class="num" data-label=move || t_string!(i18n, scoring.weight)>
                {field_input(rule.weight, can, format!("{label2} %"), format!("weight-{name}"))}
            </td>
            <td class="bands-cell" data-label=move || t_string!(i18n, scoring.bands)>
                <ul class="bands">{bands}</ul>
                {can.then(|| view! { <button type="button" class="btn btn-small" on:click=add data-testid=format!("band-{name}-add")>{t!(i18n, scoring.add_band)}</button> })}
            </td>
            <td class="num" data-label=move || t_string!(i18n, scoring.missing)>
                {field_input(rule.missing, can, t_string!(i18n, scoring.missing).to_string(), format!("missing-{name}"))}
            </td>
        </tr>
    }
}

/// Σ of the typed weights, for the footer ("100" when the model is complete).
fn weight_sum(fields: Fields) -> String {
    let sum: Decimal = fields
        .rules
        .get_value()
        .iter()
        .filter_map(|r| Decimal::from_str(r.weight.get().trim()).ok())
        .sum();
    sum.normalize().to_string()
}

#[component]
fn ModelEditor(
    draft: ModelDraft,
    base_version: i64,
    can: bool,
    save: ServerAction<SaveModelVersion>,
    saved: RwSignal<Option<i64>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let fields = Fields::new(&draft);
    let note = RwSignal::new(String::new());
    let local_errors = RwSignal::new(Vec::<String>::new());
    let server_errors = action_errors(save.value());
    let errors = Signal::derive(move || {
        let local = local_errors.get();
        if local.is_empty() {
            server_errors.get()
        } else {
            local
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match fields.draft() {
            Ok(draft) => {
                local_errors.set(Vec::new());
                save.dispatch(SaveModelVersion {
                    draft,
                    note: note.get_untracked(),
                });
            }
            Err(e) => local_errors.set(e),
        }
    };
    let rules = fields
        .rules
        .get_value()
        .into_iter()
        .map(|r| rule_row(i18n, fields, r, can))
        .collect_view();
    let sum = move || weight_sum(fields);
    let sum_ok = move || weight_sum(fields) == "100";
    let [a, b, c] = fields.thresholds;
    let rules_table = view! {
        <div class="table-wrap">
            <table class="table responsive model-table" data-testid="model-rules">
                <thead>
                    <tr>
                        <th>{t!(i18n, scoring.indicator)}</th>
                        <th class="num">{t!(i18n, scoring.weight)}</th>
                        <th>{t!(i18n, scoring.bands)}</th>
                        <th class="num">{t!(i18n, scoring.missing)}</th>
                    </tr>
                </thead>
                <tbody>{rules}</tbody>
            </table>
        </div>
        <p class="weight-sum" class:bad=move || !sum_ok() data-testid="weight-sum">
            {t!(i18n, scoring.weight_sum)} " " <strong>{sum}</strong> " / 100"
        </p>
    }
    .into_any();
    let policies = fields
        .policies
        .get_value()
        .into_iter()
        .map(|p| {
            let g = p.grade.as_str();
            view! {
                <tr data-testid=format!("policy-{g}")>
                    <td><span class=format!("grade grade-{g}")>{g}</span></td>
                    <td class="num">{field_input(p.pct, can, format!("{g} %"), format!("pct-{g}"))}</td>
                    <td class="num">{field_input(p.cap, can, format!("{g} cap"), format!("cap-{g}"))}</td>
                    <td class="num">{field_input(p.terms, can, format!("{g} terms"), format!("terms-{g}"))}</td>
                </tr>
            }
        })
        .collect_view();
    let grades = view! {
        <div class="score-grid">
            <div>
                <h3>{t!(i18n, scoring.thresholds)}</h3>
                <p class="muted small">{t!(i18n, scoring.thresholds_hint)}</p>
                <div class="thresholds" data-testid="thresholds">
                    <label class="inline-field"><span class="grade grade-A">"A ≥"</span>{field_input(a, can, "A".into(), "threshold-A".into())}</label>
                    <label class="inline-field"><span class="grade grade-B">"B ≥"</span>{field_input(b, can, "B".into(), "threshold-B".into())}</label>
                    <label class="inline-field"><span class="grade grade-C">"C ≥"</span>{field_input(c, can, "C".into(), "threshold-C".into())}</label>
                </div>
            </div>
            <div>
                <h3>{t!(i18n, scoring.policies)}</h3>
                <div class="table-scroll">
                    <table class="table compact policy-table" data-testid="policies">
                        <thead>
                            <tr>
                                <th>{t!(i18n, scoring.grade)}</th>
                                <th class="num">{t!(i18n, scoring.limit_pct)}</th>
                                <th class="num">{t!(i18n, scoring.limit_cap)}</th>
                                <th class="num">{t!(i18n, scoring.terms_days)}</th>
                            </tr>
                        </thead>
                        <tbody>{policies}</tbody>
                    </table>
                </div>
            </div>
        </div>
    }
    .into_any();
    let saved = move || {
        saved.get().map(|v| view! { <p class="notice notice-ok" data-testid="model-saved">{move || t_string!(i18n, scoring.saved, v = v).to_string()}</p> })
    };
    let actions = can.then(|| {
        view! {
            <div class="editor-actions">
                <label class="field note-field">
                    <span>{t!(i18n, scoring.note)}</span>
                    <input maxlength="200" on:input=move |ev| note.set(event_target_value(&ev)) data-testid="model-note" />
                </label>
                <button type="submit" class="btn btn-primary" disabled=move || save.pending().get() data-testid="save-model">
                    {t!(i18n, scoring.save_version)}
                </button>
            </div>
        }
    });
    view! {
        <form class="card model-editor" on:submit=submit data-testid="model-editor">
            <div class="card-head">
                <h2>{t!(i18n, scoring.model)}</h2>
                <span class="chip" data-testid="editor-base">{move || t_string!(i18n, scoring.editing, v = version_label(i18n, base_version)).to_string()}</span>
            </div>
            <p class="muted small">{t!(i18n, scoring.model_hint)}</p>
            {rules_table}
            {grades}
            <FieldErrors errors testid="model-errors" />
            {saved}
            {actions}
        </form>
    }
    .into_any()
}

// ------------------------------------------------------------------ the scoring page

#[component]
fn Versions(
    page: PageData,
    editing: RwSignal<Option<i64>>,
    activate: ServerAction<ActivateModelVersion>,
) -> impl IntoView {
    let i18n = use_i18n();
    let (active, can) = (page.active, page.can_edit);
    let rows = page
        .versions
        .into_iter()
        .rev()
        .map(|v: ModelVersion| {
            let n = v.version;
            let is_active = n == active;
            let (by, at) = if n == 0 { ("—".to_string(), String::new()) } else { (v.created_by.clone(), v.created_at.map(when).unwrap_or_default()) };
            view! {
                <tr data-testid=format!("version-{n}") class:active-row=is_active>
                    <td class="strong nowrap">{version_label(i18n, n)}</td>
                    <td>{v.note.clone()}</td>
                    <td class="muted small"><div>{by}</div><div class="nowrap">{at}</div></td>
                    <td><div class="version-actions">
                        {is_active.then(|| view! { <span class="badge status-normal" data-testid="active-badge">{t!(i18n, scoring.active)}</span> })}
                        <button type="button" class="btn btn-small" on:click=move |_| editing.set(Some(n)) data-testid=format!("edit-{n}")>
                            {t!(i18n, scoring.open_in_editor)}
                        </button>
                        {(can && !is_active).then(|| view! {
                            <button type="button" class="btn btn-small btn-primary" disabled=move || activate.pending().get()
                                on:click=move |_| { activate.dispatch(ActivateModelVersion { version: n }); }
                                data-testid=format!("activate-{n}")>
                                {t!(i18n, scoring.activate)}
                            </button>
                        })}
                    </div></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="card" data-testid="versions">
            <h2>{t!(i18n, scoring.versions)}</h2>
            <div class="table-scroll">
                <table class="table compact">
                    <thead>
                        <tr>
                            <th>{t!(i18n, scoring.version)}</th>
                            <th>{t!(i18n, scoring.note)}</th>
                            <th>{t!(i18n, scoring.created)}</th>
                            <th></th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            <FieldErrors errors=action_errors(activate.value()) testid="activate-errors" />
        </section>
    }
    .into_any()
}

/// A run's key, short: a manual run's random id is cut to its first 8 characters.
fn run_label(key: &str) -> String {
    match key.split_once(':') {
        Some(("manual", id)) => format!("manual:{}", id.chars().take(8).collect::<String>()),
        _ => key.to_string(),
    }
}

#[component]
fn Runs(page: PageData, rescore: ServerAction<RescoreAll>) -> impl IntoView {
    let i18n = use_i18n();
    let rows = page
        .runs
        .iter()
        .map(|r| {
            let done = r
                .finished_at
                .map(when)
                .unwrap_or_else(|| t_string!(i18n, scoring.running).to_string());
            view! {
                <tr>
                    <td class="mono small" title=r.run_key.clone()>{run_label(&r.run_key)}</td>
                    <td class="small nowrap">{done}</td>
                    <td class="num">{r.customers}</td>
                    <td class="num">{r.changed}</td>
                </tr>
            }
        })
        .collect_view();
    let result = move || {
        match rescore.value().get() {
        Some(Ok(run)) => Some(
            view! { <p class="notice notice-ok" data-testid="rescore-result">{move || t_string!(i18n, scoring.rescored, n = run.customers, changed = run.changed).to_string()}</p> }
                .into_any(),
        ),
        Some(Err(error)) => Some(view! { <ErrorNotice error /> }.into_any()),
        None => None,
    }
    };
    view! {
        <section class="card" data-testid="runs">
            <div class="card-head">
                <h2>{t!(i18n, scoring.runs)}</h2>
                {page.can_edit.then(|| view! {
                    <button type="button" class="btn btn-primary" disabled=move || rescore.pending().get()
                        on:click=move |_| { rescore.dispatch(RescoreAll {}); } data-testid="rescore-all">
                        {move || if rescore.pending().get() { t_string!(i18n, scoring.running).to_string() } else { t_string!(i18n, scoring.rescore_all).to_string() }}
                    </button>
                })}
            </div>
            <p class="muted small">{t!(i18n, scoring.runs_hint)}</p>
            {result}
            {(!page.runs.is_empty()).then(|| view! {
                <div class="table-scroll">
                    <table class="table compact runs-table">
                        <thead>
                            <tr>
                                <th>{t!(i18n, scoring.run)}</th>
                                <th>{t!(i18n, scoring.finished)}</th>
                                <th class="num">{t!(i18n, scoring.customers)}</th>
                                <th class="num">{t!(i18n, scoring.changed)}</th>
                            </tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
            })}
        </section>
    }
    .into_any()
}

#[component]
fn Industries(page: PageData, save: ServerAction<SaveIndustryRisk>) -> impl IntoView {
    let i18n = use_i18n();
    let can = page.can_edit;
    let rows = page
        .industries
        .into_iter()
        .enumerate()
        .map(|(k, (industry, factor))| {
            let text = RwSignal::new(factor.map(|f| f.to_string()).unwrap_or_default());
            let name = industry.clone();
            let send = move |_| {
                save.dispatch(SaveIndustryRisk { industry: name.clone(), factor: text.get_untracked() });
            };
            view! {
                <tr>
                    <td>{industry.clone()}</td>
                    <td class="num">{field_input(text, can, industry.clone(), format!("industry-{k}"))}</td>
                    {can.then(|| view! {
                        <td><button type="button" class="btn btn-small" disabled=move || save.pending().get() on:click=send data-testid=format!("industry-{k}-save")>{t!(i18n, scoring.save)}</button></td>
                    })}
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="card" data-testid="industries">
            <h2>{t!(i18n, scoring.industry_title)}</h2>
            <p class="muted small">{t!(i18n, scoring.industry_hint)}</p>
            <div class="table-scroll">
                <table class="table compact">
                    <thead>
                        <tr>
                            <th>{t!(i18n, scoring.industry)}</th>
                            <th class="num">{t!(i18n, scoring.factor)}</th>
                            {can.then(|| view! { <th></th> })}
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            <FieldErrors errors=action_errors(save.value()) testid="industry-errors" />
        </section>
    }
    .into_any()
}

#[component]
fn ScoringBody(
    page: PageData,
    editing: RwSignal<Option<i64>>,
    saved: RwSignal<Option<i64>>,
    save: ServerAction<SaveModelVersion>,
    activate: ServerAction<ActivateModelVersion>,
    rescore: ServerAction<RescoreAll>,
    industry: ServerAction<SaveIndustryRisk>,
) -> impl IntoView {
    let versions = StoredValue::new(page.versions.clone());
    let (active, can) = (page.active, page.can_edit);
    let editor = move || {
        let chosen = editing.get().unwrap_or(active);
        let draft = versions.with_value(|vs| {
            vs.iter()
                .find(|v| v.version == chosen)
                .map(|v| ModelDraft::from(&v.model))
        });
        match draft {
            Some(draft) => {
                view! { <ModelEditor draft base_version=chosen can save saved /> }.into_any()
            }
            None => ().into_any(),
        }
    };
    view! {
        {editor}
        <div class="two-col">
            <Versions page=page.clone() editing activate />
            <Runs page=page.clone() rescore />
        </div>
        {can.then(|| view! { <Industries page=page.clone() save=industry /> })}
    }
    .into_any()
}

#[component]
pub fn ScoringPage() -> impl IntoView {
    let i18n = use_i18n();
    let save = ServerAction::<SaveModelVersion>::new();
    let activate = ServerAction::<ActivateModelVersion>::new();
    let rescore = ServerAction::<RescoreAll>::new();
    let industry = ServerAction::<SaveIndustryRisk>::new();
    let editing = RwSignal::new(None::<i64>);
    let saved = RwSignal::new(None::<i64>);
    // A saved version opens in the editor, so finance sees what it saved and can activate
    // it; once a version is activated the editor shows the active one again.
    Effect::new(move |_| {
        if let Some(Ok(v)) = save.value().get() {
            editing.set(Some(v));
            saved.set(Some(v));
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = activate.value().get() {
            editing.set(None);
            saved.set(None);
        }
    });
    let data = Resource::new(
        move || {
            (
                save.version().get(),
                activate.version().get(),
                rescore.version().get(),
                industry.version().get(),
            )
        },
        |_| get_scoring_page(),
    );
    view! {
        <div class="page scoring-page">
            <header class="page-head">
                <h1>{t!(i18n, scoring.title)}</h1>
                <A href="/scoring/backtest" attr:class="btn" attr:data-testid="to-backtest">{t!(i18n, scoring.backtest_title)}</A>
            </header>
            <Transition fallback=move || view! { <p class="muted">{t!(i18n, loading)}</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(page) => view! { <ScoringBody page editing saved save activate rescore industry /> }.into_any(),
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
    .into_any()
}

// ------------------------------------------------------------------ the back-test

/// A default rate as text: one decimal and a percent sign, or a dash for an empty grade.
fn rate_text(r: Option<Decimal>) -> String {
    r.map(|r| format!("{r}%")).unwrap_or_else(|| "—".into())
}

/// The bar chart of default rate per grade, one bar per version.
fn backtest_chart(i18n: I18n, r: &BacktestResult) -> Chart {
    let runs: Vec<(
        crate::ui::chart::scene::Rgb,
        &crate::api::scoring::VersionBacktest,
    )> = std::iter::once((BLUE, &r.a))
        .chain(r.b.as_ref().map(|b| (ORANGE, b)))
        .collect();
    let columns = Grade::ALL
        .into_iter()
        .enumerate()
        .map(|(k, grade)| Column {
            label: grade.as_str().to_string(),
            groups: runs
                .iter()
                .map(|(colour, v)| {
                    let g = &v.result.per_grade[k];
                    let tip = format!(
                        "{} · {}\n{}\n{}",
                        grade.as_str(),
                        version_label(i18n, v.version),
                        t_string!(i18n, scoring.tip_counts, n = g.customers, d = g.defaults),
                        rate_text(g.default_rate)
                    );
                    vec![(
                        *colour,
                        Datum {
                            value: g.default_rate.and_then(|x| x.to_f64()).unwrap_or(0.0),
                            tip,
                            href: None,
                        },
                    )]
                })
                .collect(),
        })
        .collect();
    let legend = runs
        .iter()
        .map(|(colour, v)| (*colour, version_label(i18n, v.version)))
        .collect();
    Chart::Columns(Columns {
        columns,
        unit: "%".into(),
        line: None,
        legend,
    })
}

fn monotonic_view(i18n: I18n, v: &crate::api::scoring::VersionBacktest) -> AnyView {
    let ok = v.result.monotonic;
    let label = version_label(i18n, v.version);
    let auc = v
        .result
        .auc
        .map(|a| a.to_string())
        .unwrap_or_else(|| "—".into());
    let n = v.version;
    view! {
        <div class="bt-summary" data-testid=format!("summary-{n}")>
            <div class="strong">{label}</div>
            <div class=if ok { "check good" } else { "check bad" } data-testid=format!("monotonic-{n}")>
                {if ok { "✓ " } else { "✗ " }}
                {move || if ok { t_string!(i18n, scoring.monotonic_yes).to_string() } else { t_string!(i18n, scoring.monotonic_no).to_string() }}
            </div>
            <div>
                <span class="muted">{t!(i18n, scoring.auc)} " "</span>
                <span class="strong num" data-testid=format!("auc-{n}")>{auc}</span>
                <span class="muted small">" · "{t!(i18n, scoring.auc_hint)}</span>
            </div>
        </div>
    }
    .into_any()
}

#[component]
fn BacktestView(result: BacktestResult) -> impl IntoView {
    let i18n = use_i18n();
    let shared = StoredValue::new(result.clone());
    let chart = Signal::derive(move || shared.with_value(|r| backtest_chart(i18n, r)));
    let runs: Vec<crate::api::scoring::VersionBacktest> = std::iter::once(result.a.clone())
        .chain(result.b.clone())
        .collect();
    let versions_head = runs
        .iter()
        .map(|v| view! { <th class="num version-head" colspan="3">{version_label(i18n, v.version)}</th> })
        .collect_view();
    let head = runs
        .iter()
        .map(|_| {
            view! {
                <th class="num">{t!(i18n, scoring.col_customers)}</th>
                <th class="num">{t!(i18n, scoring.col_defaults)}</th>
                <th class="num">{t!(i18n, scoring.col_rate)}</th>
            }
        })
        .collect_view();
    let rows = Grade::ALL
        .into_iter()
        .enumerate()
        .map(|(k, grade)| {
            let cells = runs
                .iter()
                .map(|v| {
                    let g = v.result.per_grade[k];
                    view! {
                        <td class="num">{g.customers}</td>
                        <td class="num">{g.defaults}</td>
                        <td class="num strong">{rate_text(g.default_rate)}</td>
                    }
                })
                .collect_view();
            let gs = grade.as_str();
            view! {
                <tr data-testid=format!("bt-grade-{gs}")>
                    <td><span class=format!("grade grade-{gs}")>{gs}</span></td>
                    {cells}
                </tr>
            }
        })
        .collect_view();
    let totals = runs
        .iter()
        .map(|v| {
            let rate = (v.result.customers > 0).then(|| {
                Decimal::from(v.result.defaults) * Decimal::ONE_HUNDRED
                    / Decimal::from(v.result.customers)
            });
            view! {
                <td class="num strong">{v.result.customers}</td>
                <td class="num strong">{v.result.defaults}</td>
                <td class="num strong">{rate_text(rate.map(|r| r.round_dp(1)))}</td>
            }
        })
        .collect_view();
    let summaries = runs.iter().map(|v| monotonic_view(i18n, v)).collect_view();
    let (as_of, end) = (result.as_of.to_string(), result.outcome_end.to_string());
    view! {
        <section class="card" data-testid="backtest-result">
            <h2>{t!(i18n, scoring.results)}</h2>
            <p class="muted small">{move || t_string!(i18n, scoring.window, as_of = as_of.clone(), end = end.clone()).to_string()}</p>
            <div class="bt-summaries">{summaries}</div>
            <div class="bt-layout">
                <ChartCanvas chart label=Signal::derive(move || t_string!(i18n, scoring.chart_label).to_string()) testid="backtest-chart" />
                <div class="table-scroll">
                    <table class="table compact bt-table" data-testid="backtest-table">
                        <thead>
                            <tr>
                                <th rowspan="2">{t!(i18n, scoring.grade)}</th>
                                {versions_head}
                            </tr>
                            <tr>{head}</tr>
                        </thead>
                        <tbody>
                            {rows}
                            <tr class="total-row">
                                <td class="strong">{t!(i18n, scoring.total)}</td>
                                {totals}
                            </tr>
                        </tbody>
                    </table>
                </div>
            </div>
            <p class="muted small">{t!(i18n, scoring.backtest_note)}</p>
        </section>
    }
    .into_any()
}

#[component]
fn BacktestForm(page: PageData) -> impl IntoView {
    let i18n = use_i18n();
    let default_as_of = page
        .today
        .checked_sub_months(chrono::Months::new(12))
        .unwrap_or(page.today);
    let as_of = RwSignal::new(default_as_of.to_string());
    let version_a = RwSignal::new(page.active.to_string());
    let version_b = RwSignal::new(String::new());
    let run = ServerAction::<RunBacktest>::new();
    let options = |selected: i64| {
        page.versions
            .iter()
            .map(|v| {
                let n = v.version;
                view! { <option value=n.to_string() selected=n == selected>{version_label(i18n, n)}</option> }
            })
            .collect_view()
    };
    let (options_a, options_b) = (options(page.active), options(-1));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(a) = version_a.get_untracked().parse::<i64>() else {
            return;
        };
        let b = version_b.get_untracked().parse::<i64>().ok();
        run.dispatch(RunBacktest {
            args: BacktestArgs {
                as_of: as_of.get_untracked(),
                version_a: a,
                version_b: b,
            },
        });
    };
    let result = move || match run.value().get() {
        Some(Ok(result)) => view! { <BacktestView result /> }.into_any(),
        Some(Err(error)) => view! { <ErrorNotice error /> }.into_any(),
        None => ().into_any(),
    };
    let latest = page
        .today
        .checked_sub_months(chrono::Months::new(
            crate::domain::indicators::OUTCOME_MONTHS,
        ))
        .unwrap_or(page.today);
    view! {
        <form class="card backtest-form" on:submit=submit data-testid="backtest-form">
            <p class="muted small">{t!(i18n, scoring.backtest_hint)}</p>
            <div class="bt-fields">
                <label class="field">
                    <span>{t!(i18n, scoring.as_of)}</span>
                    <input type="date" value=default_as_of.to_string() max=latest.to_string() on:input=move |ev| as_of.set(event_target_value(&ev)) data-testid="bt-as-of" required />
                </label>
                <label class="field">
                    <span>{t!(i18n, scoring.version_a)}</span>
                    <select on:change=move |ev| version_a.set(event_target_value(&ev)) data-testid="bt-version-a">{options_a}</select>
                </label>
                <label class="field">
                    <span>{t!(i18n, scoring.version_b)}</span>
                    <select on:change=move |ev| version_b.set(event_target_value(&ev)) data-testid="bt-version-b">
                        <option value="" selected=true>{t!(i18n, scoring.none)}</option>
                        {options_b}
                    </select>
                </label>
                <button type="submit" class="btn btn-primary" disabled=move || run.pending().get() data-testid="bt-run">
                    {move || if run.pending().get() { t_string!(i18n, scoring.running).to_string() } else { t_string!(i18n, scoring.run_backtest).to_string() }}
                </button>
            </div>
        </form>
        {result}
    }
    .into_any()
}

#[component]
pub fn BacktestPage() -> impl IntoView {
    let i18n = use_i18n();
    let data = Resource::new(|| (), |_| get_scoring_page());
    view! {
        <div class="page scoring-page">
            <header class="page-head">
                <div>
                    <A href="/scoring" attr:class="back">{"← "}{t!(i18n, scoring.title)}</A>
                    <h1>{t!(i18n, scoring.backtest_title)}</h1>
                </div>
            </header>
            <Transition fallback=move || view! { <p class="muted">{t!(i18n, loading)}</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(page) if page.can_edit => view! { <BacktestForm page /> }.into_any(),
                        Ok(_) => view! { <ErrorNotice error=AppError::Forbidden /> }.into_any(),
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
    .into_any()
}

// ------------------------------------------------------------------ the customer's card

/// Bars of the customer's scores over time, coloured by grade.
fn history_chart(i18n: I18n, points: &[ScorePoint]) -> Chart {
    let columns = points
        .iter()
        .map(|p| {
            let tip = format!(
                "{} · {}\n{} {} · {}",
                p.as_of,
                version_label(i18n, p.model_version),
                t_string!(i18n, scoring.score),
                p.score,
                p.grade.as_str()
            );
            Column {
                label: p.as_of.format("%y-%m-%d").to_string(),
                groups: vec![vec![(
                    grade_colour(p.grade.as_str()),
                    Datum {
                        value: p.score.to_f64().unwrap_or(0.0),
                        tip,
                        href: None,
                    },
                )]],
            }
        })
        .collect();
    let legend = Grade::ALL
        .into_iter()
        .map(|g| (grade_colour(g.as_str()), g.as_str().to_string()))
        .collect();
    Chart::Columns(Columns {
        columns,
        unit: t_string!(i18n, scoring.score).to_string(),
        line: None,
        legend,
    })
}

fn breakdown(i18n: I18n, latest: &StoredScore) -> AnyView {
    let rows = latest
        .card
        .lines
        .iter()
        .map(|l| {
            let name = l.indicator.as_str();
            let value = value_text(i18n, l.indicator, l.value);
            view! {
                <tr data-testid=format!("line-{name}")>
                    <td>{indicator_label(i18n, l.indicator)}</td>
                    <td class="num">{value}</td>
                    <td class="num">{l.points}</td>
                    <td class="num">{l.weight.normalize().to_string()}</td>
                    <td class="num strong">{l.contribution.round_dp(2).normalize().to_string()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-scroll">
            <table class="table compact breakdown-table" data-testid="score-breakdown">
                <thead>
                    <tr>
                        <th>{t!(i18n, scoring.indicator)}</th>
                        <th class="num">{t!(i18n, scoring.value)}</th>
                        <th class="num">{t!(i18n, scoring.points)}</th>
                        <th class="num">{t!(i18n, scoring.weight)}</th>
                        <th class="num">{t!(i18n, scoring.contribution)}</th>
                    </tr>
                </thead>
                <tbody>
                    {rows}
                    <tr class="total-row">
                        <td class="strong" colspan="4">{t!(i18n, scoring.score)}</td>
                        <td class="num strong">{latest.card.score.to_string()}</td>
                    </tr>
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn FactorsForm(
    customer_id: i64,
    card: CustomerScore,
    save: ServerAction<SaveCustomerFactors>,
) -> impl IntoView {
    let i18n = use_i18n();
    let capital = RwSignal::new(
        card.factors
            .registered_capital
            .map(|m| m.amount().to_string())
            .unwrap_or_default(),
    );
    let rating = RwSignal::new(
        card.factors
            .external_rating
            .map(|r| r.to_string())
            .unwrap_or_default(),
    );
    let industry = card
        .factors
        .industry_risk
        .map(|f| f.to_string())
        .unwrap_or_else(|| "—".into());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.dispatch(SaveCustomerFactors {
            customer_id,
            registered_capital: capital.get_untracked(),
            external_rating: rating.get_untracked(),
        });
    };
    view! {
        <details class="factors">
            <summary>{t!(i18n, scoring.factors)}</summary>
            <form class="factors-form" on:submit=submit data-testid="factors-form">
                <label class="field">
                    <span>{t!(i18n, scoring.ind_capital)}</span>
                    <input inputmode="decimal" value=capital.get_untracked() on:input=move |ev| capital.set(event_target_value(&ev)) data-testid="factor-capital" />
                </label>
                <label class="field">
                    <span>{t!(i18n, scoring.ind_rating)}</span>
                    <input inputmode="decimal" value=rating.get_untracked() on:input=move |ev| rating.set(event_target_value(&ev)) data-testid="factor-rating" />
                </label>
                <div class="field">
                    <span>{t!(i18n, scoring.ind_industry)}</span>
                    <span class="strong">{industry}</span>
                </div>
                <button type="submit" class="btn" disabled=move || save.pending().get() data-testid="factors-save">{t!(i18n, scoring.save)}</button>
            </form>
            <FieldErrors errors=action_errors(save.value()) testid="factor-errors" />
        </details>
    }
    .into_any()
}

#[component]
fn ScoreBody(
    customer_id: i64,
    card: CustomerScore,
    rescore: ServerAction<RescoreCustomer>,
    factors: ServerAction<SaveCustomerFactors>,
) -> impl IntoView {
    let i18n = use_i18n();
    let history = StoredValue::new(card.history.clone());
    let chart = Signal::derive(move || history.with_value(|h| history_chart(i18n, h)));
    let button = card.can_rescore.then(|| {
        view! {
            <button type="button" class="btn" disabled=move || rescore.pending().get()
                on:click=move |_| { rescore.dispatch(RescoreCustomer { customer_id }); } data-testid="rescore-customer">
                {move || if rescore.pending().get() { t_string!(i18n, scoring.running).to_string() } else { t_string!(i18n, scoring.rescore).to_string() }}
            </button>
        }
    });
    let body = match &card.latest {
        None => {
            view! { <p class="empty" data-testid="no-score">{t!(i18n, scoring.not_scored)}</p> }
                .into_any()
        }
        Some(latest) => {
            let g = latest.card.grade.as_str();
            let suggestion = card.suggestion.clone().map(|s| {
                let terms = s.terms_days;
                view! {
                    <div><dt>{t!(i18n, scoring.suggested_limit)}</dt><dd class="num" data-testid="suggested-limit">{s.limit.display()}</dd></div>
                    <div><dt>{t!(i18n, scoring.suggested_terms)}</dt><dd>{move || t_string!(i18n, scoring.days_n, n = terms).to_string()}</dd></div>
                }
            });
            let facts = view! {
                <div class="score-head">
                    <div class="score-big">
                        <span class="score-value" data-testid="score-value">{latest.card.score.to_string()}</span>
                        <span class=format!("grade grade-{g} grade-big") data-testid="score-grade">{g}</span>
                    </div>
                    <dl class="facts score-facts">
                        <div><dt>{t!(i18n, scoring.version)}</dt><dd data-testid="score-version">{version_label(i18n, latest.model_version)}</dd></div>
                        <div><dt>{t!(i18n, scoring.as_of)}</dt><dd>{latest.as_of.to_string()}</dd></div>
                        {suggestion}
                    </dl>
                </div>
            }
            .into_any();
            let table = breakdown(i18n, latest);
            view! {
                {facts}
                <div class="score-layout">
                    {table}
                    <div>
                        <h3>{t!(i18n, scoring.history)}</h3>
                        <ChartCanvas chart label=Signal::derive(move || t_string!(i18n, scoring.history).to_string()) testid="score-history-chart" />
                    </div>
                </div>
            }
            .into_any()
        }
    };
    let error = move || match rescore.value().get() {
        Some(Err(error)) => Some(view! { <ErrorNotice error /> }),
        _ => None,
    };
    let can_edit = card.can_edit_factors;
    view! {
        <div class="card-head">
            <h2>{t!(i18n, scoring.card_title)}</h2>
            {button}
        </div>
        {error}
        {body}
        {can_edit.then(|| view! { <FactorsForm customer_id card=card.clone() save=factors /> })}
    }
    .into_any()
}

/// The customer page's credit score card: the latest score and its breakdown, the
/// history chart, rescoring for those allowed and the manual factors for finance.
#[component]
pub fn CustomerScoreCard(customer_id: i64) -> impl IntoView {
    let i18n = use_i18n();
    let rescore = ServerAction::<RescoreCustomer>::new();
    let factors = ServerAction::<SaveCustomerFactors>::new();
    let data = Resource::new(
        move || (rescore.version().get(), factors.version().get()),
        move |_| get_customer_score(customer_id),
    );
    view! {
        <section class="card score-card" data-testid="score-card">
            <Transition fallback=move || view! { <p class="muted">{t!(i18n, loading)}</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(card) => view! { <ScoreBody customer_id card rescore factors /> }.into_any(),
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_blank_or_zero_weight_leaves_the_indicator_out_and_bad_numbers_are_named() {
        let owner = Owner::new();
        owner.with(|| {
            let draft = ModelDraft::from(&crate::domain::scoring::ScoringModel::default_model());
            let fields = Fields::new(&draft);
            assert_eq!(
                fields.draft().unwrap(),
                draft,
                "the fields spell the draft they were made from"
            );
            let rules = fields.rules.get_value();
            rules[0].weight.set("0".into());
            rules[1].weight.set(" ".into());
            let d = fields.draft().unwrap();
            assert_eq!(d.rules.len(), 8);
            assert!(d
                .rules
                .iter()
                .all(|r| r.indicator != "years_of_cooperation" && r.indicator != "sales_12m"));
            rules[2].bands.get_untracked()[1].from.set("abc".into());
            fields.thresholds[1].set("".into());
            let errors = fields.draft().unwrap_err();
            assert_eq!(
                errors,
                vec![
                    "bands[avg_days_to_pay][1].from: 'abc' is not a number".to_string(),
                    "thresholds.B: '' is not a number".to_string()
                ]
            );
            fields.add_band(&rules[3]);
            assert_eq!(
                rules[3].bands.get_untracked().len(),
                draft.rules[3].bands.len() + 1
            );
        });
    }
}
