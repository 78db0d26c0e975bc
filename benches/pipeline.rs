//! End-to-end benchmark: every photo through `Analyzer::analyze_timed` with
//! the full model, warm, several repetitions; per-stage medians and p90,
//! model load, batch throughput, time to the first result and peak RSS.
//!
//! `cargo bench --bench pipeline` (`PIPELINE_REPEATS=N` sets the repetitions,
//! default 5; `PIPELINE_SECOND_LOOK=off` runs the full model alone, without
//! the heavy model's second look at bodies lying on their back). Photos:
//! `samples/*.jpg` and `../shared/photos/**/*.jpg|jpeg`; those where no
//! person is found are listed and left out of the figures.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use sagitta::{Analyzer, AnalyzerOptions, StageTimings};

fn main() {
    // The closest this process gets to its own start; what comes before main
    // (exec, dynamic loading) is in the CLI's single-photo time (benches/peer).
    let process_start = Instant::now();
    let repeats: usize = std::env::var("PIPELINE_REPEATS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(5);

    let photos = photo_list();
    assert!(!photos.is_empty(), "no photos found under samples/");

    let mut options = AnalyzerOptions::default();
    if std::env::var("PIPELINE_SECOND_LOOK").as_deref() == Ok("off") {
        options.thomas_model = options.model;
    }
    let load_start = Instant::now();
    let mut analyzer = Analyzer::new(&options).expect("models load");
    let model_load = load_start.elapsed();

    // The first photo is a bundled sample, so it always has a person in it.
    let first = analyzer
        .analyze_timed(&photos[0])
        .expect("the first sample is analysed")
        .timings;
    let first_result = process_start.elapsed();
    let first_inference = first.pose.detector + first.pose.landmark;

    // Warm-up pass; it also finds the photos without a person.
    let mut kept = Vec::new();
    let mut skipped = Vec::new();
    for path in &photos {
        match analyzer.analyze_timed(path) {
            Ok(_) => kept.push(path.clone()),
            Err(error) => skipped.push(error.to_string()),
        }
    }

    let mut samples: Vec<StageTimings> = Vec::with_capacity(kept.len() * repeats);
    let mut throughputs = Vec::with_capacity(repeats);
    for _ in 0..repeats {
        let started = Instant::now();
        for path in &kept {
            let outcome = analyzer.analyze_timed(path).expect("analysed in warm-up");
            samples.push(outcome.timings);
        }
        throughputs.push(kept.len() as f64 / started.elapsed().as_secs_f64());
    }

    print_report(&Report {
        second_look: options.thomas_model != options.model,
        photos: photos.len(),
        skipped,
        kept: kept.len(),
        repeats,
        samples,
        throughputs,
        model_load,
        first_result,
        first_inference,
    });
}

/// Bundled samples first (in name order), then the shared reference photos.
fn photo_list() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut photos = Vec::new();
    for pattern in ["samples/*.jpg", "../shared/photos/**/*"] {
        let pattern = root.join(pattern);
        let mut found: Vec<PathBuf> = glob::glob(&pattern.to_string_lossy())
            .expect("valid pattern")
            .flatten()
            .filter(|path| {
                path.extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| ["jpg", "jpeg"].contains(&e.to_ascii_lowercase().as_str()))
            })
            .collect();
        found.sort();
        photos.extend(found);
    }
    photos
}

struct Report {
    /// Whether bodies lying on their back got the heavy model's second look.
    second_look: bool,
    photos: usize,
    skipped: Vec<String>,
    kept: usize,
    repeats: usize,
    samples: Vec<StageTimings>,
    throughputs: Vec<f64>,
    model_load: Duration,
    first_result: Duration,
    first_inference: Duration,
}

fn print_report(report: &Report) {
    println!(
        "sagitta pipeline benchmark (full model{}, 1 inference thread, 1 Analyzer)",
        if report.second_look {
            "; heavy second look at bodies lying on their back"
        } else {
            ", no second look"
        }
    );
    println!("machine: {} cores, {}", nproc(), cpu_model());
    println!("load average after the run: {}", load_average());
    println!(
        "photos: {} found, {} left out (not analysed), {} measured x {} repetitions = {} runs (warm)",
        report.photos,
        report.skipped.len(),
        report.kept,
        report.repeats,
        report.samples.len()
    );
    for reason in &report.skipped {
        println!("  left out: {reason}");
    }

    let s = &report.samples;
    let stages: [(&str, Vec<Duration>); 9] = [
        ("decode", s.iter().map(|t| t.decode).collect()),
        (
            "pre-processing",
            s.iter().map(|t| t.pose.preprocess).collect(),
        ),
        ("detector", s.iter().map(|t| t.pose.detector).collect()),
        ("landmark", s.iter().map(|t| t.pose.landmark).collect()),
        (
            "post-processing",
            s.iter().map(|t| t.pose.postprocess).collect(),
        ),
        ("geometry", s.iter().map(|t| t.geometry).collect()),
        ("inference (det+lmk)", s.iter().map(inference).collect()),
        ("other (pre+post+geom)", s.iter().map(overhead).collect()),
        ("total per image", s.iter().map(total).collect()),
    ];
    let mean_total = mean(&stages[8].1);
    println!();
    println!(
        "| {:<22} | {:>10} | {:>10} | {:>10} | {:>7} |",
        "stage", "median ms", "p90 ms", "mean ms", "share"
    );
    println!(
        "|{:-<24}|{:->12}|{:->12}|{:->12}|{:->9}|",
        "", "", "", "", ""
    );
    for (name, values) in &stages {
        println!(
            "| {:<22} | {:>10.3} | {:>10.3} | {:>10.3} | {:>6.1}% |",
            name,
            ms(percentile(values, 0.5)),
            ms(percentile(values, 0.9)),
            mean(values) * 1e3,
            100.0 * mean(values) / mean_total
        );
    }

    let ratio = mean(&stages[7].1) / mean(&stages[6].1);
    let per_image: Vec<f64> = s
        .iter()
        .map(|t| overhead(t).as_secs_f64() / inference(t).as_secs_f64())
        .collect();
    let mut throughputs = report.throughputs.clone();
    throughputs.sort_by(f64::total_cmp);
    println!();
    println!(
        "other / inference (means): {:.1}%  (median per image {:.1}%; target <= 15%: {})",
        100.0 * ratio,
        100.0 * median_f64(&per_image),
        if ratio <= 0.15 { "met" } else { "NOT met" }
    );
    println!(
        "batch throughput: {:.1} images/s (median of {} passes over {} photos; min {:.1}, max {:.1})",
        median_f64(&throughputs),
        throughputs.len(),
        report.kept,
        throughputs[0],
        throughputs[throughputs.len() - 1]
    );
    println!(
        "model load (Analyzer::new): {:.1} ms",
        ms(report.model_load)
    );
    println!(
        "main() to first result: {:.1} ms; that photo's inference {:.1} ms, so {:.1} ms beyond it (target <= 500 ms)",
        ms(report.first_result),
        ms(report.first_inference),
        ms(report.first_result.saturating_sub(report.first_inference))
    );
    println!(
        "peak RSS (VmHWM): {:.1} MB after {} analyses",
        vm_hwm_kib() as f64 / 1024.0,
        1 + report.photos + report.samples.len()
    );
}

fn inference(t: &StageTimings) -> Duration {
    t.pose.detector + t.pose.landmark
}

fn overhead(t: &StageTimings) -> Duration {
    t.pose.preprocess + t.pose.postprocess + t.geometry
}

fn total(t: &StageTimings) -> Duration {
    t.decode + inference(t) + overhead(t)
}

/// Nearest-rank percentile.
fn percentile(values: &[Duration], q: f64) -> Duration {
    let mut sorted = values.to_vec();
    sorted.sort();
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn median_f64(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

fn mean(values: &[Duration]) -> f64 {
    values.iter().map(Duration::as_secs_f64).sum::<f64>() / values.len() as f64
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

fn nproc() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|line| line.starts_with("model name"))
                .and_then(|line| line.split_once(':'))
                .map(|(_, model)| model.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".to_string())
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|_| "unknown".to_string())
}

/// Peak resident set size of this process, in KiB (Linux).
fn vm_hwm_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("VmHWM:"))
                .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        })
        .unwrap_or(0)
}
