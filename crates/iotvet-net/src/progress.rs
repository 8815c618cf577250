//! How far a long collection has come, for a progress line: the phase, how many of its items
//! are done, and what it found. Collectors update it (relaxed atomics, no locks on the hot path
//! but the phase name); the binary reads it every few seconds, so a filtered network that takes
//! minutes does not look hung.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

#[derive(Debug, Default)]
pub struct Progress {
    phase: Mutex<&'static str>,
    done: AtomicUsize,
    total: AtomicUsize,
    found: AtomicUsize,
}

impl Progress {
    /// Starts a phase of `total` items (0 when not counted).
    pub fn phase(&self, name: &'static str, total: usize) {
        if let Ok(mut p) = self.phase.lock() {
            *p = name;
        }
        self.done.store(0, Ordering::Relaxed);
        self.found.store(0, Ordering::Relaxed);
        self.total.store(total, Ordering::Relaxed);
    }

    pub fn item_done(&self) {
        self.done.fetch_add(1, Ordering::Relaxed);
    }

    pub fn found_one(&self) {
        self.found.fetch_add(1, Ordering::Relaxed);
    }

    /// e.g. `TCP scan: 12,000 of 65,535 ports, 3 open`.
    pub fn line(&self) -> String {
        let phase = self.phase.lock().map(|p| *p).unwrap_or("working");
        let (done, total, found) =
            (self.done.load(Ordering::Relaxed), self.total.load(Ordering::Relaxed), self.found.load(Ordering::Relaxed));
        match phase {
            "" => "starting".into(),
            "TCP scan" => format!("TCP scan: {} of {} ports, {found} open", thousands(done), thousands(total)),
            p if total > 0 => format!("{p}: {done} of {total}"),
            p => p.to_owned(),
        }
    }
}

fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_name_the_phase_and_the_counts() {
        let p = Progress::default();
        assert_eq!(p.line(), "starting");
        p.phase("TCP scan", 65_535);
        for _ in 0..12_000 {
            p.item_done();
        }
        p.found_one();
        assert_eq!(p.line(), "TCP scan: 12,000 of 65,535 ports, 1 open");
        p.phase("identifying services", 4);
        p.item_done();
        assert_eq!(p.line(), "identifying services: 1 of 4");
        p.phase("testing logins", 0);
        assert_eq!(p.line(), "testing logins");
    }
}
