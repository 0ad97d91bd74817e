//! What the benches share: how a figure is timed, and the memory it holds.
// Each bench uses what it needs of this module.
#![allow(dead_code)]

use std::time::Instant;

/// Median nanoseconds per call of `f`, over `rounds` rounds of `per_round` calls.
pub(crate) fn median_ns(rounds: usize, per_round: usize, mut f: impl FnMut()) -> f64 {
    let mut samples: Vec<f64> = (0..rounds)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..per_round {
                f();
            }
            start.elapsed().as_nanos() as f64 / per_round as f64
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

/// Resident memory of this process, in MiB (Linux; 0 elsewhere).
pub(crate) fn rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<f64>().ok())
        .map_or(0.0, |pages| pages * 4096.0 / (1024.0 * 1024.0))
}
