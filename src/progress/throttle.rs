//! How often the live tree may be redrawn: at most once per `gap`, except
//! for urgent changes (a state change), which always draw; a change that had
//! to wait is drawn as soon as the gap has passed. Also says when the clocks
//! in the tree need a refresh although nothing changed.

use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct Throttle {
    gap: Duration,
    refresh: Duration,
    last: Option<Instant>,
    waiting: bool,
}

impl Throttle {
    /// At most one draw per `gap`, and one at least every `refresh`.
    pub fn new(gap: Duration, refresh: Duration) -> Throttle {
        Throttle {
            gap,
            refresh,
            last: None,
            waiting: false,
        }
    }

    /// Something changed at `now`: whether to draw it now. If not, it waits
    /// for [`Throttle::due`].
    pub fn changed(&mut self, now: Instant, urgent: bool) -> bool {
        let allowed = urgent || self.last.is_none_or(|last| now >= last + self.gap);
        if allowed {
            self.drew(now);
        } else {
            self.waiting = true;
        }
        allowed
    }

    /// Asked on every tick: whether a waiting change may be drawn now, or the
    /// clocks are due for a refresh.
    pub fn due(&mut self, now: Instant) -> bool {
        let due = match self.last {
            None => true,
            Some(last) => (self.waiting && now >= last + self.gap) || now >= last + self.refresh,
        };
        if due {
            self.drew(now);
        }
        due
    }

    fn drew(&mut self, now: Instant) {
        self.last = Some(now);
        self.waiting = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GAP: Duration = Duration::from_millis(200);
    const REFRESH: Duration = Duration::from_secs(1);

    fn ms(start: Instant, n: u64) -> Instant {
        start + Duration::from_millis(n)
    }

    #[test]
    fn changes_draw_at_most_once_per_gap_and_a_waiting_one_draws_when_due() {
        let t0 = Instant::now();
        let mut t = Throttle::new(GAP, REFRESH);
        assert!(t.changed(t0, false), "the first change draws");
        assert!(!t.changed(ms(t0, 50), false), "too soon");
        assert!(!t.changed(ms(t0, 150), false), "still too soon");
        assert!(!t.due(ms(t0, 199)));
        assert!(
            t.due(ms(t0, 200)),
            "the waiting change draws once the gap passed"
        );
        assert!(!t.due(ms(t0, 450)), "nothing waits, clocks are fresh");
        assert!(t.changed(ms(t0, 400), false), "a gap after the last draw");
    }

    #[test]
    fn urgent_changes_always_draw() {
        let t0 = Instant::now();
        let mut t = Throttle::new(GAP, REFRESH);
        assert!(t.changed(t0, true));
        assert!(t.changed(ms(t0, 1), true));
        assert!(t.changed(ms(t0, 2), true));
        assert!(
            !t.changed(ms(t0, 3), false),
            "the gap counts from the last draw"
        );
    }

    #[test]
    fn clocks_refresh_without_changes() {
        let t0 = Instant::now();
        let mut t = Throttle::new(GAP, REFRESH);
        assert!(t.due(t0), "nothing drawn yet");
        assert!(!t.due(ms(t0, 999)));
        assert!(t.due(ms(t0, 1000)));
        assert!(!t.due(ms(t0, 1500)));
    }

    #[test]
    fn five_draws_a_second_at_most_under_a_stream_of_changes() {
        let t0 = Instant::now();
        let mut t = Throttle::new(GAP, REFRESH);
        let draws = (0..1000)
            .filter(|&i| {
                let now = ms(t0, i);
                t.changed(now, false) || t.due(now)
            })
            .count();
        assert_eq!(draws, 5);
    }
}
