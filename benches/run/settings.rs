//! Every duration setting the product has, at its default, multiplied by
//! the bench's scale: read from the settings catalog and `Settings::default()`,
//! so the bench follows the product when a default or a setting changes.

use std::time::Duration;

use auto_milestone::config::catalog::Kind;
use auto_milestone::config::{CATALOG, Dur, Settings};

/// One scaled setting: its key, variable, default and scaled value.
pub struct Scaled {
    pub key: &'static str,
    pub env: &'static str,
    pub default: Duration,
    pub scaled: Duration,
}

impl Scaled {
    /// The value as the variable is written (milliseconds, at least 1).
    pub fn value(&self) -> String {
        format!("{}ms", self.scaled.as_millis().max(1))
    }
}

/// Each `Duration` setting of the catalog with its default scaled. A
/// setting without a default (none today) is left unset.
pub fn scaled(scale: f64) -> Vec<Scaled> {
    let defaults = toml::Value::try_from(Settings::default()).expect("settings serialise");
    CATALOG
        .iter()
        .filter(|e| e.kind == Kind::Duration)
        .filter_map(|e| {
            let text = lookup(&defaults, e.key)?.as_str()?;
            let default = text.parse::<Dur>().ok()?.get();
            Some(Scaled {
                key: e.key,
                env: e.env,
                default,
                scaled: default.mul_f64(scale),
            })
        })
        .collect()
}

/// The value at dotted path `key` of a table.
fn lookup<'a>(table: &'a toml::Value, key: &str) -> Option<&'a toml::Value> {
    key.split('.').try_fold(table, |node, part| node.get(part))
}
