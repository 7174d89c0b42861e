//! The environment a worker runs with: the user's own (the agent needs its
//! PATH, HOME, API key and git identity), minus the orchestrator's secrets,
//! plus what the settings add.
//!
//! The Telegram token never reaches an agent: with it, an agent steered by
//! untrusted issue text could post or edit questions in the approval chat,
//! or drain the bot's updates. The GitHub token does, because the agent
//! pushes and opens the PR; `WORKER_GITHUB_TOKEN` gives the agents a
//! narrower token (as `GITHUB_TOKEN` and `GH_TOKEN`) than the orchestrator's.

use crate::config::settings::WorkerSettings;

/// Variables removed from every worker's environment, whatever the settings say.
pub const ALWAYS_REMOVED: [&str; 5] = [
    "TELEGRAM_BOT_TOKEN",
    "WORKER_GITHUB_TOKEN",
    // Webhook URLs carry their secret in the path.
    "AUTO_MILESTONE_NOTIFY_SLACK_URL",
    "AUTO_MILESTONE_NOTIFY_DISCORD_URL",
    "AUTO_MILESTONE_NOTIFY_WEBHOOK_URL",
];

/// The variable holding the workers' own GitHub token.
pub const WORKER_GITHUB_TOKEN: &str = "WORKER_GITHUB_TOKEN";

/// What to change in the inherited environment for every worker.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WorkerEnv {
    /// Set (or replaced) in the worker's environment.
    pub set: Vec<(String, String)>,
    /// Removed from it.
    pub remove: Vec<String>,
}

impl WorkerEnv {
    /// The changes the settings ask for, with our secrets removed; `lookup`
    /// reads our own environment.
    pub fn from_settings(
        settings: &WorkerSettings,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Self {
        let mut remove: Vec<String> = ALWAYS_REMOVED.iter().map(|s| s.to_string()).collect();
        for name in &settings.env_remove {
            if !remove.contains(name) {
                remove.push(name.clone());
            }
        }
        let mut set: Vec<(String, String)> = settings
            .env
            .iter()
            .filter(|(name, _)| !remove.contains(name))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if let Some(token) = lookup(WORKER_GITHUB_TOKEN).filter(|t| !t.is_empty()) {
            set.retain(|(k, _)| k != "GITHUB_TOKEN" && k != "GH_TOKEN");
            set.push(("GITHUB_TOKEN".into(), token.clone()));
            set.push(("GH_TOKEN".into(), token));
        }
        WorkerEnv { set, remove }
    }

    /// Adds variables for every worker (the demo points its workers at its sandbox).
    pub fn with(mut self, extra: impl IntoIterator<Item = (String, String)>) -> Self {
        self.set.extend(extra);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn the_telegram_token_is_always_removed() {
        let env = WorkerEnv::from_settings(&WorkerSettings::default(), lookup(&[]));
        assert!(env.remove.contains(&"TELEGRAM_BOT_TOKEN".to_string()));
        assert!(env.set.is_empty());
    }

    #[test]
    fn settings_add_and_remove_but_cannot_bring_a_secret_back() {
        let mut settings = WorkerSettings::default();
        settings.env.insert("CI".into(), "1".into());
        settings.env.insert("TELEGRAM_BOT_TOKEN".into(), "x".into());
        settings.env_remove = vec!["AWS_SECRET_ACCESS_KEY".into(), "TELEGRAM_BOT_TOKEN".into()];
        let env = WorkerEnv::from_settings(&settings, lookup(&[]));
        assert_eq!(env.set, [("CI".to_string(), "1".to_string())]);
        assert_eq!(
            env.remove,
            [
                "TELEGRAM_BOT_TOKEN",
                "WORKER_GITHUB_TOKEN",
                "AUTO_MILESTONE_NOTIFY_SLACK_URL",
                "AUTO_MILESTONE_NOTIFY_DISCORD_URL",
                "AUTO_MILESTONE_NOTIFY_WEBHOOK_URL",
                "AWS_SECRET_ACCESS_KEY"
            ]
        );
    }

    #[test]
    fn a_worker_token_replaces_the_github_token_for_workers() {
        let mut settings = WorkerSettings::default();
        settings
            .env
            .insert("GITHUB_TOKEN".into(), "from-file".into());
        let env = WorkerEnv::from_settings(&settings, lookup(&[("WORKER_GITHUB_TOKEN", "narrow")]));
        assert_eq!(
            env.set,
            [
                ("GITHUB_TOKEN".to_string(), "narrow".to_string()),
                ("GH_TOKEN".to_string(), "narrow".to_string())
            ]
        );
        assert!(env.remove.contains(&WORKER_GITHUB_TOKEN.to_string()));
    }
}
