//! Exact moments inside the in-process sandbox GitHub: a tracing layer that
//! timestamps the sandbox's own debug events as they happen — each request
//! as it arrives (`sandbox request`), each CI run as it concludes (`sandbox
//! CI finished`), each CodeRabbit review as it is posted. The request log
//! and the sandbox's model keep no sub-second times, so this is the clock.

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::filter::filter_fn;
use tracing_subscriber::layer::{Context, SubscriberExt};

/// One sandbox event: when, its message, and its fields as text.
#[derive(Clone, Debug)]
pub struct Seen {
    pub at: Instant,
    pub message: String,
    pub fields: BTreeMap<String, String>,
}

impl Seen {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }
}

/// Every sandbox event seen since the last [`Probe::take`].
#[derive(Clone, Default)]
pub struct Probe {
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Probe {
    /// Installs the probe as the process's subscriber (debug events of
    /// `gh_sandbox` only; nothing is printed).
    pub fn install() -> Probe {
        let probe = Probe::default();
        let layer = Recorder {
            probe: probe.clone(),
        }
        .with_filter(filter_fn(|m| {
            m.target().starts_with("gh_sandbox") && *m.level() <= Level::DEBUG
        }));
        let subscriber = tracing_subscriber::registry().with(layer);
        tracing::subscriber::set_global_default(subscriber).expect("no other subscriber");
        probe
    }

    /// Takes what was seen, leaving the probe empty.
    pub fn take(&self) -> Vec<Seen> {
        std::mem::take(&mut *self.seen.lock().unwrap())
    }
}

struct Recorder {
    probe: Probe,
}

impl<S: Subscriber> Layer<S> for Recorder {
    fn on_event(&self, event: &Event<'_>, _cx: Context<'_, S>) {
        let at = Instant::now();
        let mut fields = Fields::default();
        event.record(&mut fields);
        let message = fields.0.remove("message").unwrap_or_default();
        let seen = Seen {
            at,
            message,
            fields: fields.0,
        };
        self.probe.seen.lock().unwrap().push(seen);
    }
}

#[derive(Default)]
struct Fields(BTreeMap<String, String>);

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_string(), value.to_string());
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().to_string(), value.to_string());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.0
            .insert(field.name().to_string(), format!("{value:?}"));
    }
}
