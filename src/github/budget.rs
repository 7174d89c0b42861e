//! The rate-limit budget as GitHub last reported it (`x-ratelimit-*` on
//! every answer), and how much the waits slow down to stay inside it: at
//! full speed while more than a quarter is left, then in proportion to how
//! little is left, so a run never spends the budget down to a hard stop.

use std::sync::Mutex;

/// Waits go at most this many times slower.
const MAX_SLOWDOWN: f64 = 30.0;

/// What the last answer said about the budget.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Reading {
    limit: u64,
    remaining: u64,
}

/// Shared by every clone of a client.
#[derive(Debug, Default)]
pub struct RateBudget {
    last: Mutex<Option<Reading>>,
}

impl RateBudget {
    /// Records the budget an answer's headers report, if they do.
    pub fn observe(&self, headers: &http::HeaderMap) {
        let number = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
        };
        let (Some(limit), Some(remaining)) =
            (number("x-ratelimit-limit"), number("x-ratelimit-remaining"))
        else {
            return;
        };
        let reading = Reading { limit, remaining };
        let before = self
            .last
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .replace(reading);
        // Said once per low stretch: when the slowdown starts.
        if slowdown(reading) > 1.0 && before.is_none_or(|b| slowdown(b) == 1.0) {
            tracing::warn!(
                remaining,
                limit,
                "GitHub's rate limit is running low: waits re-read GitHub less often until it recovers"
            );
        }
    }

    /// How many times longer each wait's interval should be now.
    pub fn factor(&self) -> f64 {
        let last = *self.last.lock().unwrap_or_else(|e| e.into_inner());
        last.map_or(1.0, slowdown)
    }
}

fn slowdown(r: Reading) -> f64 {
    let comfortable = r.limit as f64 / 4.0;
    if r.limit == 0 || r.remaining as f64 >= comfortable {
        return 1.0;
    }
    (comfortable / r.remaining.max(1) as f64).min(MAX_SLOWDOWN)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reading(limit: u64, remaining: u64) -> f64 {
        slowdown(Reading { limit, remaining })
    }

    #[test]
    fn full_speed_while_a_quarter_is_left_then_slower_as_it_runs_out() {
        assert_eq!(reading(5000, 5000), 1.0);
        assert_eq!(reading(5000, 1250), 1.0);
        assert_eq!(reading(5000, 625), 2.0);
        assert_eq!(reading(5000, 125), 10.0);
        assert_eq!(reading(5000, 0), MAX_SLOWDOWN);
        assert_eq!(reading(0, 0), 1.0, "no limit reported, no slowdown");
    }

    #[test]
    fn answers_without_the_headers_change_nothing() {
        let budget = RateBudget::default();
        let mut headers = http::HeaderMap::new();
        budget.observe(&headers);
        assert_eq!(budget.factor(), 1.0);
        headers.insert("x-ratelimit-limit", "5000".parse().unwrap());
        headers.insert("x-ratelimit-remaining", "250".parse().unwrap());
        budget.observe(&headers);
        assert_eq!(budget.factor(), 5.0);
    }
}
