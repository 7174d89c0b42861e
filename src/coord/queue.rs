//! A turnstile: at most `capacity` holders at once, the rest waiting by
//! rank, then in the order they came. Worker slots are a turnstile of
//! `--parallel N` ranked by the chain of dependents; merges one of 1.

use std::collections::BTreeMap;

/// Holders and waiters; `W` is whatever answers a waiter when its turn
/// comes; `K` ranks waiters (lowest first; `()` for plain arrival order).
#[derive(Debug)]
pub struct Turnstile<T, W, K: Ord = ()> {
    capacity: usize,
    next_id: u64,
    holders: BTreeMap<u64, T>,
    /// Keyed by rank, then arrival.
    waiting: BTreeMap<(K, u64), (T, W)>,
    arrivals: u64,
}

impl<T, W, K: Ord> Turnstile<T, W, K> {
    pub fn new(capacity: usize) -> Self {
        Turnstile {
            capacity: capacity.max(1),
            next_id: 1,
            holders: BTreeMap::new(),
            waiting: BTreeMap::new(),
            arrivals: 0,
        }
    }

    /// Lets `who` through now (its ticket) or queues it with `waiter` at
    /// `rank`.
    pub fn enter(&mut self, who: T, rank: K, waiter: W) -> Option<(u64, W)> {
        if self.holders.len() < self.capacity {
            Some((self.admit(who), waiter))
        } else {
            self.arrivals += 1;
            self.waiting.insert((rank, self.arrivals), (who, waiter));
            None
        }
    }

    /// Who holds ticket `id`.
    pub fn holder(&self, id: u64) -> Option<&T> {
        self.holders.get(&id)
    }

    fn admit(&mut self, who: T) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        self.holders.insert(id, who);
        id
    }

    /// Gives ticket `id` back; answers the waiters let through now.
    pub fn leave(&mut self, id: u64) -> Vec<(u64, W)> {
        self.holders.remove(&id);
        let mut admitted = Vec::new();
        while self.holders.len() < self.capacity {
            let Some((_, (who, waiter))) = self.waiting.pop_first() else {
                break;
            };
            admitted.push((self.admit(who), waiter));
        }
        admitted
    }

    /// Everyone still waiting, taken out of the queue (the run is stopping).
    pub fn drain(&mut self) -> Vec<W> {
        std::mem::take(&mut self.waiting)
            .into_values()
            .map(|(_, w)| w)
            .collect()
    }

    pub fn holding(&self) -> usize {
        self.holders.len()
    }

    pub fn waiting(&self) -> usize {
        self.waiting.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holders_up_to_capacity_and_waiters_in_order() {
        let mut t: Turnstile<&str, u32> = Turnstile::new(2);
        let a = t.enter("a", (), 1).unwrap();
        let b = t.enter("b", (), 2).unwrap();
        assert!(t.enter("c", (), 3).is_none());
        assert!(t.enter("d", (), 4).is_none());
        assert_eq!((t.holding(), t.waiting()), (2, 2));
        let next = t.leave(a.0);
        assert_eq!(next.iter().map(|(_, w)| *w).collect::<Vec<_>>(), [3]);
        assert_eq!(
            t.leave(999),
            Vec::new(),
            "an unknown ticket lets nobody through twice"
        );
        assert_eq!(t.drain(), [4]);
        t.leave(b.0);
        t.leave(next[0].0);
        assert_eq!(t.holding(), 0);
    }

    #[test]
    fn waiters_go_by_rank_then_arrival() {
        let mut t: Turnstile<&str, &str, u32> = Turnstile::new(1);
        let first = t.enter("holder", 0, "h").unwrap();
        for (who, rank) in [("late-low", 5), ("urgent", 1), ("low", 5), ("urgent-2", 1)] {
            assert!(t.enter(who, rank, who).is_none());
        }
        let mut order = Vec::new();
        let mut ticket = first.0;
        while t.waiting() > 0 {
            let next = t.leave(ticket);
            order.push(next[0].1);
            ticket = next[0].0;
        }
        assert_eq!(order, ["urgent", "urgent-2", "late-low", "low"]);
    }
}
