//! Reading finance's settings through their types (`domain::settings`): the one place a
//! stored setting is parsed. Asks only for the settings port.
use crate::domain::settings::Setting;
use crate::store::{SettingsStore, StoreError};

/// The setting's value: stored and parsed, or its default when never saved. A stored
/// value that no longer parses is an error naming the setting.
pub async fn get<T>(store: &dyn SettingsStore, s: &Setting<T>) -> Result<T, StoreError> {
    match store.setting(s.key).await? {
        Some(text) => {
            (s.parse)(&text).map_err(|m| StoreError::Other(format!("setting {}: {m}", s.key)))
        }
        None => Ok((s.default)()),
    }
}

/// `get`, falling back to the default (logged) when the stored value no longer parses:
/// for readers that must keep working, such as the cockpit and the credit check.
pub async fn get_or_default<T>(store: &dyn SettingsStore, s: &Setting<T>) -> Result<T, StoreError> {
    let Some(text) = store.setting(s.key).await? else {
        return Ok((s.default)());
    };
    Ok((s.parse)(&text).unwrap_or_else(|m| {
        tracing::warn!(setting = s.key, error = %m, "stored setting ignored");
        (s.default)()
    }))
}
