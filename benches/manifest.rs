//! Manifest matching at scale: `analyze --manifest` through the built
//! binary, with N rows up to the 100,000-row limit (`MAX_MANIFEST_ROWS`).
//! Two series: rows whose photos are not there (each gets an error record;
//! the case that was quadratic, issue 23) and rows whose files exist (small
//! files that are not images, so that no model runs and the figures are the
//! listing, matching and records alone). Linear matching shows as a flat
//! time per row once the fixed cost (starting, loading the models) is taken
//! off; that cost is measured with a one-row manifest.
//!
//! `cargo bench --bench manifest` (`MANIFEST_SIZES=2000,4000` sets the row
//! counts, `MANIFEST_REPEATS=N` the runs per size, default 3; the figures
//! are medians).

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

fn main() {
    let sizes: Vec<usize> = std::env::var("MANIFEST_SIZES")
        .ok()
        .map(|v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .filter(|v: &Vec<usize>| !v.is_empty())
        .unwrap_or_else(|| vec![12_500, 25_000, 50_000, 100_000]);
    let repeats: usize = std::env::var("MANIFEST_REPEATS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(3);
    let largest = sizes.iter().copied().max().unwrap_or(1);
    let dir = tempfile::tempdir().expect("a temporary folder");
    let present = dir.path().join("present");
    std::fs::create_dir(&present).expect("a folder for the files");
    for i in 0..largest {
        std::fs::write(present.join(photo_name(i)), b"not a photo").expect("a small file");
    }

    println!("manifest rows | series | median s | (median - fixed) per row, us");
    println!("---|---|---|---");
    for (series, folder) in [("not there", "absent"), ("present", "present")] {
        let fixed = median_seconds(dir.path(), folder, 1, repeats);
        println!("1 | {series} | {fixed:.3} | (fixed cost)");
        for &rows in &sizes {
            let median = median_seconds(dir.path(), folder, rows, repeats);
            let per_row_us = (median - fixed) / rows as f64 * 1e6;
            println!("{rows} | {series} | {median:.3} | {per_row_us:.1}");
        }
    }
}

fn photo_name(i: usize) -> String {
    format!("p{i:06}.jpg")
}

/// Median wall time of `repeats` runs over a manifest of `rows` rows naming
/// photos in `folder` (under `root`); each run must give one record per row.
fn median_seconds(root: &Path, folder: &str, rows: usize, repeats: usize) -> f64 {
    let manifest = root.join(format!("{folder}-{rows}.csv"));
    let mut file = std::fs::File::create(&manifest).expect("the manifest");
    writeln!(file, "photo,client").expect("written");
    for i in 0..rows {
        writeln!(file, "{folder}/{},CL-{i}", photo_name(i)).expect("written");
    }
    drop(file);
    let mut times: Vec<f64> = (0..repeats)
        .map(|_| {
            let started = Instant::now();
            let output = Command::new(env!("CARGO_BIN_EXE_sagitta"))
                .args(["analyze", "--format", "jsonl", "--quiet", "--model", "lite"])
                .args(["--jobs", "1", "--manifest"])
                .arg(&manifest)
                .stderr(Stdio::null())
                .output()
                .expect("sagitta runs");
            let seconds = started.elapsed().as_secs_f64();
            let records = output.stdout.iter().filter(|&&b| b == b'\n').count();
            assert_eq!(records, rows + 1, "one record per row and the summary");
            assert_eq!(output.status.code(), Some(1), "every row fails");
            seconds
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}
