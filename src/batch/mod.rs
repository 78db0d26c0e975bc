//! Batch runs: parallel workers (one [`Analyzer`] and its model sessions per
//! worker), the progress bar, results in input order, interruption. The
//! inputs are expanded in [`inputs`] (files, folders, patterns, `--shard`),
//! each photo's files written by [`output`] (the output folder, `--resume`).
//! One bad file gets its record and never stops or loses the others.

mod inputs;
mod output;

use inputs::is_result_name;
pub use inputs::{Inputs, Item, Shard, attach_sessions, expand};
use output::{OutputFiles, write_outputs};

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use sagitta::error::{Error, FileError, SetupError};
use sagitta::report::Exporter;
use sagitta::report::files::remove_stale_temporaries;
use sagitta::schema::{Analysis, Summary};
use sagitta::{Analyzer, AnalyzerOptions};

/// What to do besides printing.
#[derive(Debug, Clone, Default)]
pub struct BatchOptions {
    /// Parallel workers, each with its own model sessions.
    pub jobs: usize,
    /// Folder for `<name>.json`, `<name>.annotated.jpg|png` and `<name>.report.html`.
    pub out: Option<PathBuf>,
    pub report: bool,
    pub resume: bool,
    pub shard: Option<Shard>,
    pub quiet: bool,
}

/// What a worker hands back for one item.
enum Record {
    Analysed(Box<Analysis>),
    Failed(FileError),
    Skipped,
}

enum Message {
    Done(usize, Record),
    Setup(SetupError),
}

/// Analyses every item with `options.jobs` workers and feeds the results to
/// `exporter` in input order. Errors of single files are records; a setup
/// error (models, runtime) stops the run.
pub fn run(
    analyzer: &AnalyzerOptions,
    options: &BatchOptions,
    inputs: Inputs,
    exporter: &mut dyn Exporter,
    print_errors: bool,
) -> Result<Summary, Error> {
    let started = Instant::now();
    let mut summary = Summary {
        skipped_not_image: inputs.skipped_not_image,
        shard: options.shard.map(|s| format!("{}/{}", s.index, s.count)),
        ..Summary::default()
    };
    let items: Vec<Item> = match options.shard {
        Some(shard) => {
            let (mine, others): (Vec<_>, Vec<_>) =
                inputs.items.into_iter().partition(|i| shard.takes(&i.path));
            summary.other_shards = others.len();
            mine
        }
        None => inputs.items,
    };
    // More workers than photos would only load more model sessions.
    summary.jobs = options.jobs.clamp(1, items.len().max(1));
    if let Some(dir) = &options.out {
        std::fs::create_dir_all(dir).map_err(|e| {
            SetupError::Usage(format!(
                "cannot create the output folder {}: {e}",
                dir.display()
            ))
        })?;
        remove_stale_temporaries(dir, is_result_name);
    }

    let progress = if options.quiet || !std::io::stderr().is_terminal() {
        ProgressBar::hidden()
    } else {
        let bar =
            ProgressBar::with_draw_target(Some(items.len() as u64), ProgressDrawTarget::stderr());
        if let Ok(style) =
            ProgressStyle::with_template("{bar:30} {pos}/{len} photos  {per_sec}  ETA {eta}")
        {
            bar.set_style(style);
        }
        bar
    };

    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let (sender, receiver) = mpsc::channel::<Message>();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(summary.jobs)
        .thread_name(|i| format!("sagitta-worker-{i}"))
        .build()
        .map_err(|e| SetupError::Usage(format!("cannot start {} workers: {e}", summary.jobs)))?;

    let mut setup_error = None;
    let mut output_error = None;
    // With --out, a closed standard output (`| head -1`) does not stop the
    // batch: the files are its product. The run goes on and ends with
    // `Error::StdoutClosed`, so the early end of the stream is not silent.
    let mut stdout_closed = false;
    let mut records_written = 0usize;
    std::thread::scope(|scope| {
        let items = &items;
        let (next, stop) = (&next, &stop);
        scope.spawn(move || {
            // One Analyzer per worker thread, built once and reused for every photo it takes.
            pool.broadcast(|_| {
                let sender = sender.clone();
                let mut analyzer = match Analyzer::new(analyzer) {
                    Ok(analyzer) => analyzer,
                    Err(error) => {
                        stop.store(true, Ordering::SeqCst);
                        let _ = sender.send(Message::Setup(error));
                        return;
                    }
                };
                loop {
                    let index = next.fetch_add(1, Ordering::SeqCst);
                    if index >= items.len() || stop.load(Ordering::SeqCst) || interrupted() {
                        break;
                    }
                    let record = process(&mut analyzer, &items[index], options);
                    if sender.send(Message::Done(index, record)).is_err() {
                        break;
                    }
                }
            });
            drop(sender);
        });

        // Results arrive in any order; they are written in input order.
        let mut pending: BTreeMap<usize, Record> = BTreeMap::new();
        let mut written = 0usize;
        for message in receiver {
            match message {
                Message::Setup(error) => {
                    setup_error.get_or_insert(error);
                }
                Message::Done(index, record) => {
                    progress.inc(1);
                    pending.insert(index, record);
                    while let Some(record) = pending.remove(&written) {
                        written += 1;
                        if output_error.is_some() {
                            continue;
                        }
                        let result = match record {
                            Record::Analysed(analysis) => {
                                summary.analysed += 1;
                                if stdout_closed {
                                    Ok(())
                                } else {
                                    exporter.analysis(&analysis)
                                }
                            }
                            Record::Failed(error) => {
                                summary.failed += 1;
                                if print_errors || stdout_closed {
                                    let text = error.to_string();
                                    progress.suspend(|| {
                                        eprintln!(
                                            "sagitta: {}",
                                            sagitta::input::terminal_safe(&text, false)
                                        )
                                    });
                                }
                                if stdout_closed {
                                    Ok(())
                                } else {
                                    exporter.error(&error)
                                }
                            }
                            Record::Skipped => {
                                summary.skipped_existing += 1;
                                Ok(())
                            }
                        };
                        match result {
                            Ok(()) if !stdout_closed => records_written += 1,
                            Ok(()) => {}
                            Err(error)
                                if error.kind() == std::io::ErrorKind::BrokenPipe
                                    && options.out.is_some() =>
                            {
                                stdout_closed = true;
                            }
                            Err(error) => {
                                // A closed stdout (e.g. `| head`): stop the workers.
                                stop.store(true, Ordering::SeqCst);
                                output_error = Some(error);
                            }
                        }
                    }
                }
            }
        }
    });
    progress.finish_and_clear();
    if let Some(error) = setup_error {
        return Err(error.into());
    }
    if let Some(error) = output_error {
        return Err(Error::Output(error));
    }
    summary.elapsed_s = sagitta::measure::round(started.elapsed().as_secs_f64(), 3);
    summary.images_per_second = if summary.elapsed_s > 0.0 {
        sagitta::measure::round(summary.analysed as f64 / summary.elapsed_s, 2)
    } else {
        0.0
    };
    summary.files = summary.analysed + summary.failed;
    let not_started = items.len() - summary.files - summary.skipped_existing;
    if stdout_closed {
        return Err(Error::StdoutClosed {
            records: records_written,
            dir: options.out.clone().unwrap_or_default(),
            analysed: summary.analysed,
            failed: summary.failed,
            not_started,
        });
    }
    if interrupted() && not_started > 0 {
        // Close the output properly (a JSON array ends, the summary record is
        // written), then report the interruption.
        exporter.finish(&summary).map_err(Error::Output)?;
        return Err(Error::Interrupted {
            analysed: summary.analysed,
            failed: summary.failed,
            not_started,
            resume: options.out.is_some(),
        });
    }
    exporter
        .finish(&summary)
        .map_err(|error| match &options.out {
            Some(dir) if error.kind() == std::io::ErrorKind::BrokenPipe => Error::StdoutClosed {
                records: records_written,
                dir: dir.clone(),
                analysed: summary.analysed,
                failed: summary.failed,
                not_started: 0,
            },
            _ => Error::Output(error),
        })?;
    Ok(summary)
}

/// Set by SIGINT or SIGTERM: workers take no new photo.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Whether SIGINT or SIGTERM arrived.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// On the first SIGINT (Ctrl-C) or SIGTERM, a batch finishes the photos in
/// progress, writes their results, closes its output (the JSON array, the
/// summary record) and exits with 130; on the second, it exits at once.
pub fn install_interrupt_handler() {
    let _ = ctrlc::set_handler(|| {
        if INTERRUPTED.swap(true, Ordering::SeqCst) {
            std::process::exit(i32::from(sagitta::error::EXIT_INTERRUPTED));
        }
        eprintln!(
            "sagitta: interrupted: finishing the photos in progress (interrupt again to stop at once)"
        );
    });
}

fn process(analyzer: &mut Analyzer, item: &Item, options: &BatchOptions) -> Record {
    if let Some(error) = &item.listing_error {
        return Record::Failed(error.clone());
    }
    if let Some(dir) = &options.out
        && options.resume
        && OutputFiles::new(dir, item).complete(item, options.report)
    {
        return Record::Skipped;
    }
    let mut outcome = match analyzer.analyze_timed(&item.path) {
        Ok(outcome) => outcome,
        Err(error) => return Record::Failed(error),
    };
    sagitta::session::apply(&mut outcome.analysis, &item.session);
    if let Some(dir) = &options.out
        && let Err(error) =
            write_outputs(dir, item, outcome.photo, &outcome.analysis, options.report)
    {
        return Record::Failed(error);
    }
    Record::Analysed(Box::new(outcome.analysis))
}
