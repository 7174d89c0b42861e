//! Retry policy for GitHub calls: which failures are transient (5xx, no
//! answer, rate limits) and how long to wait before the next attempt,
//! honouring `Retry-After` and `x-ratelimit-reset`. Pure: time is passed in.

use std::time::Duration;

use http::HeaderMap;

/// At most `max_attempts` tries with exponential backoff from `base_delay`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    pub max_attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// A rate limit that resets later than this is reported, not waited out.
    pub max_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(30),
            max_wait: Duration::from_secs(15 * 60),
        }
    }
}

/// A failed attempt, as far as the policy needs to know.
#[derive(Debug)]
pub enum Failure<'a> {
    /// GitHub answered with this status.
    Status {
        status: u16,
        headers: &'a HeaderMap,
        body: &'a str,
    },
    /// No answer (refused, reset, timed out).
    Transport,
}

/// What to do after a failed attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Retry(Duration),
    /// Permanent, or out of attempts, or a wait longer than `max_wait`.
    GiveUp,
}

/// GitHub asks for at least a minute after a secondary rate limit without `Retry-After`.
const SECONDARY_LIMIT_WAIT: Duration = Duration::from_secs(60);

impl RetryPolicy {
    /// Decides after attempt number `attempt` (1-based) failed; `now_epoch`
    /// is the current Unix time in seconds, `jitter` a number in [0, 1).
    /// `idempotent`: a call that may be sent again as it is (GET, DELETE).
    /// Any other (opening a PR, merging, posting a comment) is sent again
    /// only after an answer that says GitHub did not act on it — a rate
    /// limit; after no answer or a 5xx, what happened is unknown, and the
    /// caller reads before it sends anything again.
    pub fn verdict(
        &self,
        failure: &Failure,
        attempt: u32,
        now_epoch: u64,
        jitter: f64,
        idempotent: bool,
    ) -> Verdict {
        if attempt >= self.max_attempts {
            return Verdict::GiveUp;
        }
        if !idempotent && !refused_before_acting(failure) {
            return Verdict::GiveUp;
        }
        let backoff = self.backoff(attempt, jitter);
        let wait = match failure {
            Failure::Transport => Some(backoff),
            Failure::Status {
                status,
                headers,
                body,
            } => transient_wait(*status, headers, body, now_epoch).map(|w| w.max(backoff)),
        };
        match wait {
            Some(w) if w <= self.max_wait => Verdict::Retry(w),
            _ => Verdict::GiveUp,
        }
    }

    /// `base * 2^(attempt-1)`, capped, with "equal jitter" (between half and all of it).
    pub fn backoff(&self, attempt: u32, jitter: f64) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(1u32 << (attempt.saturating_sub(1)).min(16));
        let capped = exp.min(self.max_delay);
        capped.mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0))
    }
}

/// A rate limit: GitHub refused the call without acting on it.
fn refused_before_acting(failure: &Failure) -> bool {
    match failure {
        Failure::Status {
            status,
            headers,
            body,
        } => is_rate_limit(*status, headers, body),
        Failure::Transport => false,
    }
}

/// How long a rate-limited answer asks everyone to wait (`Retry-After`, or
/// until `x-ratelimit-reset`), or `None` for any other answer.
pub fn rate_limit_wait(status: u16, headers: &HeaderMap, body: &str, now: u64) -> Option<Duration> {
    if !is_rate_limit(status, headers, body) {
        return None;
    }
    transient_wait(status, headers, body, now)
}

/// The least wait a transient answer asks for, or `None` when it is permanent.
fn transient_wait(status: u16, headers: &HeaderMap, body: &str, now: u64) -> Option<Duration> {
    let retry_after = header_u64(headers, "retry-after").map(Duration::from_secs);
    let reset = header_u64(headers, "x-ratelimit-reset")
        .filter(|_| header_u64(headers, "x-ratelimit-remaining") == Some(0))
        .map(|epoch| Duration::from_secs(epoch.saturating_sub(now)));
    let rate_limited = retry_after.is_some()
        || reset.is_some()
        || body.to_ascii_lowercase().contains("rate limit");
    match status {
        500..=599 => Some(retry_after.unwrap_or(Duration::ZERO)),
        429 | 403 if rate_limited => Some(retry_after.or(reset).unwrap_or(SECONDARY_LIMIT_WAIT)),
        429 => Some(SECONDARY_LIMIT_WAIT),
        _ => None,
    }
}

fn header_u64(headers: &HeaderMap, name: &str) -> Option<u64> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
}

/// Whether a status is worth describing as a rate limit in a final error.
pub fn is_rate_limit(status: u16, headers: &HeaderMap, body: &str) -> bool {
    matches!(status, 403 | 429) && transient_wait(status, headers, body, 0).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    impl RetryPolicy {
        fn verdict_for_get(&self, f: &Failure, attempt: u32, now: u64, jitter: f64) -> Verdict {
            self.verdict(f, attempt, now, jitter, true)
        }
    }

    #[test]
    fn a_call_that_is_not_idempotent_is_sent_again_only_after_a_rate_limit() {
        let p = RetryPolicy::default();
        let none = HeaderMap::new();
        let reset = headers(&[("retry-after", "2")]);
        assert_eq!(
            p.verdict(&status(502, &none, ""), 1, 0, 1.0, false),
            Verdict::GiveUp
        );
        assert_eq!(
            p.verdict(&Failure::Transport, 1, 0, 1.0, false),
            Verdict::GiveUp
        );
        assert_eq!(
            p.verdict(&status(429, &reset, ""), 1, 0, 1.0, false),
            Verdict::Retry(Duration::from_secs(2))
        );
        assert_eq!(
            rate_limit_wait(429, &reset, "", 0),
            Some(Duration::from_secs(2))
        );
        assert_eq!(rate_limit_wait(502, &none, "", 0), None);
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    fn status<'a>(code: u16, h: &'a HeaderMap, body: &'a str) -> Failure<'a> {
        Failure::Status {
            status: code,
            headers: h,
            body,
        }
    }

    #[test]
    fn server_errors_and_transport_failures_retry_with_growing_backoff() {
        let p = RetryPolicy::default();
        let h = HeaderMap::new();
        assert_eq!(
            p.verdict_for_get(&status(502, &h, ""), 1, 0, 1.0),
            Verdict::Retry(Duration::from_secs(1))
        );
        assert_eq!(
            p.verdict_for_get(&status(503, &h, ""), 2, 0, 1.0),
            Verdict::Retry(Duration::from_secs(2))
        );
        assert_eq!(
            p.verdict_for_get(&Failure::Transport, 3, 0, 1.0),
            Verdict::Retry(Duration::from_secs(4))
        );
    }

    #[test]
    fn at_most_four_attempts() {
        let p = RetryPolicy::default();
        assert_eq!(
            p.verdict_for_get(&Failure::Transport, 4, 0, 0.5),
            Verdict::GiveUp
        );
    }

    #[test]
    fn client_errors_fail_at_once() {
        let p = RetryPolicy::default();
        let h = HeaderMap::new();
        for code in [400, 401, 404, 405, 409, 422] {
            assert_eq!(
                p.verdict_for_get(&status(code, &h, "{}"), 1, 0, 0.5),
                Verdict::GiveUp,
                "{code}"
            );
        }
        let forbidden = status(
            403,
            &h,
            r#"{"message":"Resource not accessible by integration"}"#,
        );
        assert_eq!(p.verdict_for_get(&forbidden, 1, 0, 0.5), Verdict::GiveUp);
    }

    #[test]
    fn retry_after_is_honoured() {
        let p = RetryPolicy::default();
        let h = headers(&[("retry-after", "7")]);
        assert_eq!(
            p.verdict_for_get(&status(429, &h, ""), 1, 0, 0.0),
            Verdict::Retry(Duration::from_secs(7))
        );
        assert_eq!(
            p.verdict_for_get(&status(403, &h, ""), 1, 0, 0.0),
            Verdict::Retry(Duration::from_secs(7))
        );
    }

    #[test]
    fn primary_rate_limit_waits_until_reset() {
        let p = RetryPolicy::default();
        let h = headers(&[
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "1030"),
        ]);
        let v = p.verdict_for_get(&status(403, &h, "API rate limit exceeded"), 1, 1000, 0.0);
        assert_eq!(v, Verdict::Retry(Duration::from_secs(30)));
    }

    #[test]
    fn a_reset_beyond_max_wait_gives_up() {
        let p = RetryPolicy {
            max_wait: Duration::from_secs(60),
            ..RetryPolicy::default()
        };
        let h = headers(&[
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "5000"),
        ]);
        assert_eq!(
            p.verdict_for_get(&status(403, &h, ""), 1, 1000, 0.0),
            Verdict::GiveUp
        );
    }

    #[test]
    fn jitter_stays_between_half_and_full_backoff() {
        let p = RetryPolicy::default();
        assert_eq!(p.backoff(2, 0.0), Duration::from_secs(1));
        assert_eq!(p.backoff(2, 1.0), Duration::from_secs(2));
        assert_eq!(p.backoff(30, 1.0), p.max_delay);
    }
}
