//! The import page: choose what the file holds, upload it, and watch the job go through
//! reading, validating and writing; it ends with the count imported or with every bad
//! row and column listed (and nothing imported). Templates download per kind and format.
use crate::api::import::{import_status, upload_import, ImportJob, ImportKind, ImportPhase};
use crate::error::AppError;
use crate::i18n::*;
use crate::ui::format::ErrorNotice;
use leptos::prelude::*;

fn kind_label(i18n: leptos_i18n::I18nContext<Locale>, k: ImportKind) -> String {
    match k {
        ImportKind::Customers => t_string!(i18n, import.customers).to_string(),
        ImportKind::Invoices => t_string!(i18n, import.invoices).to_string(),
        ImportKind::Payments => t_string!(i18n, import.payments).to_string(),
    }
}

#[component]
fn JobView(job: ImportJob) -> impl IntoView {
    let i18n = use_i18n();
    let seconds = format!("{:.1}", job.elapsed_ms as f64 / 1000.0);
    let percent = job.phase.percent();
    let (phase_text, tone) = match &job.phase {
        ImportPhase::Reading => (t_string!(i18n, import.reading).to_string(), "running"),
        ImportPhase::Validating { rows } => (
            t_string!(i18n, import.validating, n = *rows).to_string(),
            "running",
        ),
        ImportPhase::Writing { rows } => (
            t_string!(i18n, import.writing, n = *rows).to_string(),
            "running",
        ),
        ImportPhase::Done { imported } => (
            t_string!(i18n, import.done, n = *imported).to_string(),
            "ok",
        ),
        ImportPhase::Rejected { errors } => (
            t_string!(i18n, import.rejected, n = errors.len()).to_string(),
            "bad",
        ),
        ImportPhase::Failed { reference } => (
            t_string!(i18n, error.internal, id = reference.clone()).to_string(),
            "bad",
        ),
    };
    let report = match job.phase {
        ImportPhase::Rejected { errors } => {
            let rows = errors
                .into_iter()
                .map(|e| {
                    view! {
                        <tr data-testid="import-error">
                            <td class="num" data-label=move || t_string!(i18n, import.row)>{if e.row == 0 { "—".to_string() } else { e.row.to_string() }}</td>
                            <td class="mono" data-label=move || t_string!(i18n, import.column)>{e.column}</td>
                            <td data-label=move || t_string!(i18n, import.message)>{e.message}</td>
                        </tr>
                    }
                })
                .collect_view();
            Some(view! {
                <div class="table-wrap">
                    <table class="table responsive" data-testid="import-report">
                        <thead>
                            <tr>
                                <th class="num">{t!(i18n, import.row)}</th>
                                <th>{t!(i18n, import.column)}</th>
                                <th>{t!(i18n, import.message)}</th>
                            </tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
            })
        }
        _ => None,
    };
    view! {
        <section class=format!("card job job-{tone}") data-testid="import-job" data-phase=tone>
            <div class="section-head">
                <h2>{job.file_name}</h2>
                <span class="muted small">{seconds} " s"</span>
            </div>
            <div class="progress" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow=percent>
                <span style=format!("width: {percent}%")></span>
            </div>
            <p class="job-phase" data-testid="import-phase">{phase_text}</p>
            {report}
        </section>
    }
}

#[component]
pub fn ImportPage() -> impl IntoView {
    let i18n = use_i18n();
    let job_id = RwSignal::new(None::<String>);
    let job = RwSignal::new(None::<Result<ImportJob, AppError>>);
    let upload =
        Action::new_local(|data: &leptos::web_sys::FormData| upload_import(data.clone().into()));
    // Poll the job every half second until it finishes.
    Effect::new(move |_| {
        if let Some(Ok(id)) = upload.value().get() {
            job_id.set(Some(id));
        }
        if let Some(Err(e)) = upload.value().get() {
            job.set(Some(Err(e)));
        }
    });
    Effect::new(move |_| {
        let Some(id) = job_id.get() else { return };
        leptos::task::spawn_local(async move {
            loop {
                let status = import_status(id.clone()).await;
                let finished = status
                    .as_ref()
                    .map(|j| j.phase.is_finished())
                    .unwrap_or(true);
                job.set(Some(status));
                if finished {
                    break;
                }
                #[cfg(feature = "hydrate")]
                gloo_timers::future::TimeoutFuture::new(500).await;
            }
        });
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        use leptos::wasm_bindgen::JsCast;
        let Some(form) = ev
            .target()
            .and_then(|t| t.dyn_into::<leptos::web_sys::HtmlFormElement>().ok())
        else {
            return;
        };
        if let Ok(data) = leptos::web_sys::FormData::new_with_form(&form) {
            job.set(None);
            job_id.set(None);
            upload.dispatch_local(data);
        }
    };
    let busy = move || {
        upload.pending().get() || job.with(|j| matches!(j, Some(Ok(j)) if !j.phase.is_finished()))
    };
    let templates = ImportKind::ALL
        .into_iter()
        .map(|k| {
            view! {
                <li>
                    <span>{move || kind_label(i18n, k)}</span>
                    <a class="btn btn-small" rel="external" download href=format!("/export/template/{}.xlsx", k.as_str()) data-testid=format!("template-{}-xlsx", k.as_str())>"XLSX"</a>
                    <a class="btn btn-small" rel="external" download href=format!("/export/template/{}.csv", k.as_str())>"CSV"</a>
                </li>
            }
        })
        .collect_view();
    view! {
        <div class="page">
            <header class="page-head">
                <h1>{t!(i18n, import.title)}</h1>
            </header>
            <div class="two-col">
                <section class="card">
                    <form on:submit=on_submit class="stack" data-testid="import-form">
                        <label class="field">
                            {t!(i18n, import.kind)}
                            <select name="kind" data-testid="import-kind">
                                {ImportKind::ALL.into_iter().map(|k| view! { <option value=k.as_str()>{move || kind_label(i18n, k)}</option> }).collect_view()}
                            </select>
                        </label>
                        <label class="field">
                            {t!(i18n, import.file)}
                            <input type="file" name="file" accept=".csv,.xlsx" required data-testid="import-file" />
                        </label>
                        <p class="muted small">{t!(i18n, import.all_or_nothing)}</p>
                        <button type="submit" class="btn btn-primary" data-testid="import-submit" prop:disabled=busy>
                            {t!(i18n, import.upload)}
                        </button>
                    </form>
                </section>
                <section class="card">
                    <h2>{t!(i18n, import.templates)}</h2>
                    <ul class="template-list">{templates}</ul>
                </section>
            </div>
            {move || {
                if upload.pending().get() {
                    return view! { <p class="muted" data-testid="import-uploading">{t!(i18n, import.uploading)}</p> }.into_any();
                }
                match job.get() {
                    Some(Ok(job)) => view! { <JobView job /> }.into_any(),
                    Some(Err(error)) => view! { <ErrorNotice error /> }.into_any(),
                    None => ().into_any(),
                }
            }}
        </div>
    }
}
