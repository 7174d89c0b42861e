//! Posting notices to the configured hooks: each at most once, with a short timeout, logged on failure.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinSet;
use url::Url;

use super::format;
use super::notice::Notice;

/// How long one post may take, connection included. A hook that is slower
/// loses that notice; the run does not wait for it longer.
pub const TIMEOUT: Duration = Duration::from_secs(5);

/// A service a notice can be posted to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Slack,
    Discord,
    Webhook,
}

impl Service {
    /// The name the log uses (never the URL: its path is the secret).
    pub fn name(self) -> &'static str {
        match self {
            Service::Slack => "slack",
            Service::Discord => "discord",
            Service::Webhook => "webhook",
        }
    }

    pub fn payload(self, notice: &Notice, run: i64) -> Value {
        match self {
            Service::Slack => format::slack(notice),
            Service::Discord => format::discord(notice),
            Service::Webhook => format::generic(notice, run),
        }
    }
}

struct Hook {
    service: Service,
    url: Url,
}

/// The configured hooks of one run. Cheap to clone.
#[derive(Clone)]
pub struct Hooks {
    hooks: Arc<Vec<Hook>>,
    client: Option<reqwest::Client>,
    run: i64,
}

impl Hooks {
    /// The hooks among `slack`, `discord` and `webhook` that are set (the
    /// settings checked them at load; one that does not parse is left out
    /// with a warning).
    pub fn new(
        run: i64,
        slack: Option<&str>,
        discord: Option<&str>,
        webhook: Option<&str>,
    ) -> Hooks {
        let set = [
            (Service::Slack, slack),
            (Service::Discord, discord),
            (Service::Webhook, webhook),
        ];
        let hooks: Vec<Hook> = set
            .into_iter()
            .filter_map(|(service, url)| {
                let url = url?;
                match Url::parse(url) {
                    Ok(url) => Some(Hook { service, url }),
                    Err(e) => {
                        tracing::warn!(service = service.name(), %e, "hook URL does not parse; not used");
                        None
                    }
                }
            })
            .collect();
        let client = if hooks.is_empty() { None } else { client() };
        Hooks {
            hooks: Arc::new(hooks),
            client,
            run,
        }
    }

    /// No hooks at all.
    pub fn none() -> Hooks {
        Hooks {
            hooks: Arc::new(Vec::new()),
            client: None,
            run: 0,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.hooks.is_empty() || self.client.is_none()
    }

    /// Posts `notice` to every hook at once and returns when each has
    /// answered, failed or timed out. Failures are logged, not returned: a
    /// hook is never worth stopping a run for, and it is not asked again.
    pub async fn post(&self, notice: &Notice) {
        let Some(client) = &self.client else {
            return;
        };
        let mut posts = JoinSet::new();
        for (i, hook) in self.hooks.iter().enumerate() {
            let body = hook.service.payload(notice, self.run);
            let request = client.post(hook.url.clone()).json(&body);
            let hooks = Arc::clone(&self.hooks);
            posts.spawn(async move {
                let outcome = request.send().await;
                report(&hooks[i], outcome);
            });
        }
        while posts.join_next().await.is_some() {}
    }

    /// Starts the task that posts queued notices one after another, in the
    /// order they were queued, so the run never waits on a slow hook.
    pub fn start(self) -> HookQueue {
        let (tx, mut rx) = mpsc::unbounded_channel::<(Notice, Option<oneshot::Sender<()>>)>();
        if !self.is_empty() {
            tokio::spawn(async move {
                while let Some((notice, done)) = rx.recv().await {
                    self.post(&notice).await;
                    if let Some(done) = done {
                        let _ = done.send(());
                    }
                }
            });
        }
        HookQueue { tx }
    }
}

/// Where notices for the hooks are queued; the queue ends when every clone is dropped.
#[derive(Clone)]
pub struct HookQueue {
    tx: mpsc::UnboundedSender<(Notice, Option<oneshot::Sender<()>>)>,
}

impl HookQueue {
    /// Queues `notice`; the receiver answers once it has been posted (or
    /// given up on), and errs at once when there are no hooks.
    pub fn send(&self, notice: Notice) -> oneshot::Receiver<()> {
        let (done, posted) = oneshot::channel();
        // With no hooks nobody receives: `done` is dropped and `posted` errs.
        let _ = self.tx.send((notice, Some(done)));
        posted
    }
}

fn client() -> Option<reqwest::Client> {
    let built = reqwest::Client::builder()
        .timeout(TIMEOUT)
        .connect_timeout(TIMEOUT)
        // A redirect could carry the body somewhere else; a webhook has no reason to.
        .redirect(reqwest::redirect::Policy::none())
        .build();
    match built {
        Ok(client) => Some(client),
        Err(e) => {
            tracing::warn!(error = %e.without_url(), "no HTTP client for the notification hooks; none is used");
            None
        }
    }
}

fn report(hook: &Hook, outcome: reqwest::Result<reqwest::Response>) {
    let service = hook.service.name();
    let host = hook.url.host_str().unwrap_or("?");
    match outcome {
        Ok(response) if response.status().is_success() => {
            tracing::debug!(service, host, "notification delivered");
        }
        Ok(response) => {
            let status = response.status().as_u16();
            tracing::warn!(
                service,
                host,
                status,
                "the notification hook refused a notice"
            );
        }
        // `without_url`: reqwest's message names the URL, whose path is the secret.
        Err(e) => {
            let error = e.without_url();
            tracing::warn!(service, host, error = %error, "could not deliver a notice to the hook");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notify::notice::NoticeKind;

    #[test]
    fn only_the_hooks_that_are_set_are_used() {
        assert!(Hooks::new(1, None, None, None).is_empty());
        assert!(Hooks::none().is_empty());
        let hooks = Hooks::new(1, Some("http://127.0.0.1:9/s"), None, Some("not a url"));
        let services: Vec<Service> = hooks.hooks.iter().map(|h| h.service).collect();
        assert_eq!(services, [Service::Slack]);
    }

    #[tokio::test]
    async fn an_unreachable_hook_is_given_up_on_without_an_error() {
        // Port 9 (discard) on loopback: nothing listens, the connect is refused.
        let hooks = Hooks::new(
            1,
            None,
            Some("http://127.0.0.1:9/api/webhooks/1/secret"),
            None,
        );
        let queue = hooks.start();
        let posted = queue.send(Notice::new(NoticeKind::Notice, "hello"));
        tokio::time::timeout(TIMEOUT * 2, posted)
            .await
            .expect("given up on within the timeout")
            .expect("the queue answers after trying");
    }

    #[tokio::test]
    async fn with_no_hooks_a_queued_notice_is_answered_at_once() {
        let queue = Hooks::none().start();
        assert!(
            queue
                .send(Notice::new(NoticeKind::Notice, "x"))
                .await
                .is_err()
        );
    }
}
