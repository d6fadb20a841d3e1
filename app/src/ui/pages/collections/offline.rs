//! Task pages kept for a rep who loses the network: opening a task already listed on
//! `/tasks` still works offline, and writes made there go through the offline queue.
//!
//! Invariants, and why they hold:
//! - **The server's answer wins while online**: `task_page` always asks the server
//!   first and stores what it gets; the stored copy is used only when the request
//!   cannot be made (`AppError::Request`), so it is never shown over a fresher answer
//!   or in place of a refusal.
//! - **Only what was listed**: after `/tasks` loads in the browser, the first
//!   `PREFETCH` rows' pages are fetched once each (the ones a rep works first), so the
//!   phone spends a bounded number of requests, and nothing on the server render.
//! - The copies live in this tab's memory, provided by the app shell: a new session or
//!   a reload starts empty, so one rep's customers are never shown to the next.
use crate::api::collections::{get_task_page, TaskPage};
use crate::error::AppError;
use leptos::prelude::*;
use std::collections::HashMap;

/// How many of the worklist's top rows are fetched ahead for offline use.
pub const PREFETCH: usize = 10;

/// This tab's copies of task pages, by task id.
#[derive(Clone, Copy)]
pub struct TaskCache(StoredValue<HashMap<i64, TaskPage>>);

/// Provided by the app shell, so copies survive moving between pages.
pub fn provide_task_cache() {
    provide_context(TaskCache(StoredValue::new(HashMap::new())));
}

fn cache() -> TaskCache {
    use_context::<TaskCache>().unwrap_or_else(|| {
        let c = TaskCache(StoredValue::new(HashMap::new()));
        provide_context(c);
        c
    })
}

/// The task page from the server, kept; or the kept copy when the server cannot be
/// reached (offline). The cache is taken from context now, not when first polled.
pub fn task_page(id: i64) -> impl std::future::Future<Output = Result<TaskPage, AppError>> {
    fetch(cache().0, id)
}

async fn fetch(kept: StoredValue<HashMap<i64, TaskPage>>, id: i64) -> Result<TaskPage, AppError> {
    match get_task_page(id).await {
        Ok(page) => {
            kept.update_value(|m| {
                m.insert(id, page.clone());
            });
            Ok(page)
        }
        // Only a transport failure (offline) falls back: a refusal or a missing task is
        // the server's answer and is shown as such.
        Err(AppError::Request(reason)) => kept
            .with_value(|m| m.get(&id).cloned())
            .ok_or(AppError::Request(reason)),
        Err(error) => Err(error),
    }
}

/// Fetches, once each and in the background, the pages of the first listed tasks.
/// Browser only: the server render never prefetches.
pub fn prefetch(ids: impl IntoIterator<Item = i64>) {
    let ids = ids.into_iter().take(PREFETCH);
    #[cfg(feature = "hydrate")]
    {
        let TaskCache(kept) = cache();
        for id in ids {
            if !kept.with_value(|m| m.contains_key(&id)) {
                leptos::task::spawn_local(async move {
                    let _ = fetch(kept, id).await;
                });
            }
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = ids;
}
