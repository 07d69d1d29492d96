//! Sliding windows for correlation rules, per group, on record time.
//!
//! Memory is bounded by construction: at most `max_groups` groups per rule, and per group at
//! most `threshold` timestamps (event_count) or `threshold` (value hash, last seen) pairs
//! (value_count) — to know whether the count in the window reached N, the N most recent events
//! (or N most recently seen distinct values) are enough. When a new group would exceed
//! `max_groups`, the group with the oldest activity is evicted; groups idle for longer than the
//! window are dropped first, since they can no longer contribute.
//!
//! A rule fires on the record that brings its group's count in the window to the threshold.
//! Then the group is quiet for one window length: later records still count, but the next
//! alert for the same group comes from the first record at least one timespan after the last
//! alert that again finds the threshold met. A sustained burst therefore alerts once per
//! window, not on every record.
//!
//! "Now" for a group is the latest record time it has seen: records arriving late (older than
//! that) still count when they fall inside the window ending there. All maps are BTreeMaps and
//! hashes are FNV-1a, so a replay produces the same alerts.

use std::collections::{BTreeMap, BTreeSet};

/// Nanoseconds since the epoch.
pub type Nanos = u64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counting {
    /// Matches in the window.
    Events,
    /// Distinct values (by hash) in the window.
    DistinctValues,
}

#[derive(Debug, Default)]
struct Group {
    /// Latest record time seen.
    last: Nanos,
    /// event_count: most recent match times, ascending, at most `threshold`.
    times: Vec<Nanos>,
    /// value_count: (value hash, last seen), at most `threshold`.
    values: Vec<(u64, Nanos)>,
    /// No alert before this time (one window after the last alert).
    quiet_until: Nanos,
}

#[derive(Debug)]
pub struct Window {
    counting: Counting,
    span: Nanos,
    threshold: u64,
    max_groups: usize,
    groups: BTreeMap<u64, Group>,
    /// (last activity, group key): the eviction order.
    by_age: BTreeSet<(Nanos, u64)>,
    /// Latest record time seen by this rule.
    newest: Nanos,
    evicted: u64,
}

/// What one observation did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Observed {
    pub fired: bool,
    /// A group with activity inside its window was evicted to make room.
    pub evicted: bool,
}

impl Window {
    pub fn new(counting: Counting, span_seconds: u64, threshold: u64, max_groups: usize) -> Window {
        Window {
            counting,
            span: span_seconds.saturating_mul(1_000_000_000),
            threshold: threshold.max(1),
            max_groups: max_groups.max(1),
            groups: BTreeMap::new(),
            by_age: BTreeSet::new(),
            newest: 0,
            evicted: 0,
        }
    }

    /// Records one match for `group` at `t`; for value counting, `value` is the hash of the
    /// counted field's value (`None`: the field is absent and the match adds no value).
    pub fn observe(&mut self, group: u64, value: Option<u64>, t: Nanos) -> Observed {
        let mut result = Observed::default();
        self.newest = self.newest.max(t);
        self.expire_idle();
        if !self.groups.contains_key(&group) && self.groups.len() >= self.max_groups
            && let Some(&(age, key)) = self.by_age.iter().next() {
                self.by_age.remove(&(age, key));
                self.groups.remove(&key);
                self.evicted += 1;
                result.evicted = true;
            }
        let existed = self.groups.contains_key(&group);
        let g = self.groups.entry(group).or_default();
        if existed {
            self.by_age.remove(&(g.last, group));
        }
        g.last = g.last.max(t);
        self.by_age.insert((g.last, group));
        let window_start = g.last.saturating_sub(self.span);
        let cap = usize::try_from(self.threshold).unwrap_or(usize::MAX);
        let count = match self.counting {
            Counting::Events => {
                let at = g.times.partition_point(|&x| x <= t);
                g.times.insert(at, t);
                let stale = g.times.partition_point(|&x| x < window_start);
                g.times.drain(..stale);
                if g.times.len() > cap {
                    let extra = g.times.len() - cap;
                    g.times.drain(..extra);
                }
                g.times.len()
            }
            Counting::DistinctValues => {
                if let Some(v) = value {
                    match g.values.iter_mut().find(|(h, _)| *h == v) {
                        Some(entry) => entry.1 = entry.1.max(t),
                        None => g.values.push((v, t)),
                    }
                }
                g.values.retain(|&(_, seen)| seen >= window_start);
                if g.values.len() > cap {
                    // Keep the most recently seen values.
                    g.values.sort_by_key(|&(h, seen)| (std::cmp::Reverse(seen), h));
                    g.values.truncate(cap);
                }
                g.values.len()
            }
        };
        let in_window = t >= window_start;
        if count as u64 >= self.threshold && in_window && t >= g.quiet_until {
            g.quiet_until = t.saturating_add(self.span);
            result.fired = true;
        }
        result
    }

    /// Drops groups whose latest activity is older than one window before the newest record.
    fn expire_idle(&mut self) {
        let horizon = self.newest.saturating_sub(self.span);
        // An idle group's quiet period (at most one window after its last activity) is over too.
        while let Some(&(age, key)) = self.by_age.iter().next() {
            if age >= horizon {
                break;
            }
            self.by_age.remove(&(age, key));
            self.groups.remove(&key);
        }
    }

    pub fn groups(&self) -> usize {
        self.groups.len()
    }

    pub fn evicted(&self) -> u64 {
        self.evicted
    }
}

/// FNV-1a, 64 bit: a fixed, seedless hash for group keys and counted values.
#[derive(Debug, Clone, Copy)]
pub struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    pub fn bytes(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }

    /// Length-prefixed, so ("ab","c") and ("a","bc") differ.
    pub fn part(&mut self, bytes: &[u8]) {
        self.bytes(&(bytes.len() as u64).to_le_bytes());
        self.bytes(bytes);
    }

    pub fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Nanos = 1_000_000_000;

    #[test]
    fn fires_on_the_record_that_reaches_the_threshold_then_once_per_window() {
        let mut w = Window::new(Counting::Events, 60, 5, 10);
        let fired: Vec<bool> = (0..12).map(|i| w.observe(1, None, 1000 * S + i * S).fired).collect();
        assert_eq!(fired, [false, false, false, false, true, false, false, false, false, false, false, false]);
        // One window after the alert, the burst is still going: one more alert.
        assert!(w.observe(1, None, 1064 * S).fired);
        assert!(!w.observe(1, None, 1065 * S).fired);
    }

    #[test]
    fn events_outside_the_window_do_not_count() {
        let mut w = Window::new(Counting::Events, 60, 3, 10);
        assert!(!w.observe(1, None, 0).fired);
        assert!(!w.observe(1, None, 40 * S).fired);
        assert!(!w.observe(1, None, 91 * S).fired, "the first event left the window");
        assert!(w.observe(1, None, 95 * S).fired);
    }

    #[test]
    fn groups_count_separately() {
        let mut w = Window::new(Counting::Events, 60, 2, 10);
        assert!(!w.observe(1, None, S).fired);
        assert!(!w.observe(2, None, 2 * S).fired);
        assert!(w.observe(1, None, 3 * S).fired);
    }

    #[test]
    fn late_records_count_inside_the_window() {
        let mut w = Window::new(Counting::Events, 60, 3, 10);
        w.observe(1, None, 100 * S);
        w.observe(1, None, 110 * S);
        assert!(w.observe(1, None, 90 * S).fired, "late but within [50s, 110s]");
        let mut w = Window::new(Counting::Events, 60, 2, 10);
        w.observe(1, None, 100 * S);
        assert!(!w.observe(1, None, 10 * S).fired, "too late to count");
    }

    #[test]
    fn distinct_values() {
        let mut w = Window::new(Counting::DistinctValues, 360, 3, 10);
        assert!(!w.observe(1, Some(10), S).fired);
        assert!(!w.observe(1, Some(10), 2 * S).fired, "same value again");
        assert!(!w.observe(1, None, 3 * S).fired, "no value");
        assert!(!w.observe(1, Some(11), 4 * S).fired);
        assert!(w.observe(1, Some(12), 5 * S).fired);
        let mut w = Window::new(Counting::DistinctValues, 60, 2, 10);
        w.observe(1, Some(10), 0);
        assert!(!w.observe(1, Some(11), 61 * S).fired, "first value expired");
    }

    #[test]
    fn state_is_bounded_and_evicts_the_least_recently_active_group() {
        let mut w = Window::new(Counting::Events, 3600, 3, 2);
        w.observe(1, None, S);
        w.observe(2, None, 2 * S);
        w.observe(1, None, 3 * S);
        let o = w.observe(3, None, 4 * S);
        assert!(o.evicted);
        assert_eq!((w.groups(), w.evicted()), (2, 1));
        // Group 2 was evicted (oldest activity); group 1 kept its two events.
        assert!(w.observe(1, None, 5 * S).fired);
        for i in 0..1000 {
            w.observe(100 + i, None, 10 * S + i);
        }
        assert_eq!(w.groups(), 2);
        // Per group at most `threshold` timestamps are kept.
        let mut w = Window::new(Counting::Events, 3600, 3, 2);
        for i in 0..1000 {
            w.observe(1, None, i * S);
        }
        assert!(w.groups.values().all(|g| g.times.len() <= 3));
        let mut w = Window::new(Counting::DistinctValues, 3600, 3, 2);
        for i in 0..1000 {
            w.observe(1, Some(i), i * S);
        }
        assert!(w.groups.values().all(|g| g.values.len() <= 3));
    }

    #[test]
    fn idle_groups_expire_without_counting_as_evictions() {
        let mut w = Window::new(Counting::Events, 60, 5, 2);
        w.observe(1, None, S);
        w.observe(2, None, S);
        w.observe(3, None, 1000 * S);
        assert_eq!((w.groups(), w.evicted()), (1, 0));
    }

    #[test]
    fn fnv_is_fixed_and_length_prefixed() {
        let h = |parts: &[&str]| {
            let mut f = Fnv::default();
            parts.iter().for_each(|p| f.part(p.as_bytes()));
            f.finish()
        };
        assert_eq!(h(&["alice", "10.0.0.1"]), h(&["alice", "10.0.0.1"]));
        assert_ne!(h(&["ab", "c"]), h(&["a", "bc"]));
        let mut f = Fnv::default();
        f.bytes(b"a");
        assert_eq!(f.finish(), 0xaf63_dc4c_8601_ec8c);
    }
}
