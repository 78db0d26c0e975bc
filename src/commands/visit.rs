//! `sagitta visit`: the saved analyses of one client on one date made one
//! visit; and the visits `analyze --out` writes into its folder.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use sagitta::PlanOptions;
use sagitta::error::{Error, SetupError};
use sagitta::report;
use sagitta::schema::Analysis;
use sagitta::visit::{VisitInput, visit as make_visit};

use super::warn_missing_photos;
use super::{PageFormat, annotated_image_for, output_error, page_image, print_json};

/// `visit`, checked: each saved analysis named once, and read.
#[derive(Debug)]
pub struct VisitOptions {
    pub saved: Vec<(PathBuf, Analysis)>,
    pub plan: PlanOptions,
    pub format: PageFormat,
    /// Text: the full routine with positions, steps, cautions and rule ids.
    pub verbose: bool,
}

/// Makes the saved analyses one visit and prints it. Analyses of different
/// clients or dates are a usage error (2); a photo the HTML page cannot
/// show, a warning and a file error (1), the page still written.
pub fn visit(options: VisitOptions) -> Result<u8, Error> {
    let usage = |message: String| Error::Setup(SetupError::Usage(message));
    let recommender = options.plan.recommender()?;
    let mut missing = Vec::new();
    let images: Vec<Option<Vec<u8>>> = match options.format {
        PageFormat::Html => options
            .saved
            .iter()
            .map(|(path, analysis)| page_image(path, analysis, &mut missing))
            .collect(),
        _ => Vec::new(),
    };
    let inputs = options
        .saved
        .into_iter()
        .map(|(path, analysis)| VisitInput {
            source: path.display().to_string(),
            analysis,
        })
        .collect();
    let visit =
        make_visit(inputs, &recommender, &options.plan).map_err(|e| usage(e.to_string()))?;
    let mut out = io::stdout().lock();
    match options.format {
        PageFormat::Text => {
            report::write_visit_text(&visit, options.verbose, &mut out).map_err(output_error)?
        }
        PageFormat::Json => print_json(&visit, &mut out)?,
        PageFormat::Html => {
            let page = report::render_visit_html(&visit, &images);
            out.write_all(page.as_bytes()).map_err(output_error)?;
        }
    }
    Ok(warn_missing_photos(&missing))
}

/// `--out DIR`: the analyses in DIR that record a client and a date, two
/// or more of one record, make a visit: `<client>_<date>.visit.json`, and
/// with --report its `.visit.html`. Every analysis of the folder counts, so
/// a visit photographed in several runs (or --resume) is still one.
pub fn write_folder_visits(
    dir: &Path,
    plan: &PlanOptions,
    report: bool,
    quiet: bool,
) -> Result<(), Error> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            name.ends_with(".json") && !name.ends_with(".visit.json") && !name.starts_with('.')
        })
        .collect();
    paths.sort();
    let mut groups: BTreeMap<(String, String), Vec<(PathBuf, VisitInput)>> = BTreeMap::new();
    for path in paths {
        // Not every JSON file of the folder need be an analysis.
        let Ok(analysis) = sagitta::read_analysis(&path) else {
            continue;
        };
        let (Some(client), Some(date)) = (
            analysis.session.client.clone(),
            analysis.session.date.clone(),
        ) else {
            continue;
        };
        let input = VisitInput {
            source: path.display().to_string(),
            analysis,
        };
        groups
            .entry((client, date))
            .or_default()
            .push((path, input));
    }
    let recommender = plan.recommender()?;
    for ((client, date), members) in groups.into_iter().filter(|(_, m)| m.len() > 1) {
        // A client id may hold any character: the file name keeps the safe ones.
        let safe: String = client
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let name = format!("{safe}_{date}.visit");
        let images: Vec<Option<Vec<u8>>> = members
            .iter()
            .map(|(path, input)| annotated_image_for(path, &input.analysis).ok())
            .collect();
        let count = members.len();
        let inputs = members.into_iter().map(|(_, input)| input).collect();
        let visit = match make_visit(inputs, &recommender, plan) {
            Ok(visit) => visit,
            Err(why) => {
                eprintln!(
                    "sagitta: visit of {}: {why}",
                    sagitta::input::terminal_safe(&client, false)
                );
                continue;
            }
        };
        let mut files = vec![(
            dir.join(format!("{name}.json")),
            serde_json::to_vec_pretty(&visit)
                .map_err(io::Error::from)
                .map_err(output_error)?,
        )];
        if report {
            let page = report::render_visit_html(&visit, &images);
            files.push((dir.join(format!("{name}.html")), page.into_bytes()));
        }
        for (path, bytes) in files {
            report::files::write_atomically(&path, &bytes).map_err(|e| {
                Error::Output(io::Error::new(e.kind(), format!("{}: {e}", path.display())))
            })?;
            if !quiet {
                eprintln!(
                    "sagitta: visit of {} on {date}, {count} photos: {}",
                    sagitta::input::terminal_safe(&client, false),
                    path.display()
                );
            }
        }
    }
    Ok(())
}
