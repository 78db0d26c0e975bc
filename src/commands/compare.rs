//! `sagitta compare`: analyses of one client, saved or made now, put in
//! order and compared, printed as text, the compare document or a page.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use sagitta::compare::{CompareInput, compare as compare_analyses};
use sagitta::error::{EXIT_FILE_FAILED, Error, SetupError};
use sagitta::report;
use sagitta::schema::InputKind;
use sagitta::session::{self, SessionInput};
use sagitta::{Analyzer, AnalyzerOptions};

use super::{PageFormat, output_error, page_image, print_json, warn_missing_photos};

/// `compare`, checked: each input named once.
#[derive(Debug)]
pub struct CompareOptions {
    /// Saved analyses, or photos to analyse now.
    pub inputs: Vec<PathBuf>,
    pub format: PageFormat,
    /// The client of the photos analysed now; saved analyses of another
    /// client are refused.
    pub client: Option<String>,
    /// How the photos given are analysed.
    pub analyzer: AnalyzerOptions,
}

/// Reads or analyses each input, compares them and prints the result. A
/// bad document or a comparison that cannot be made is a usage error (2);
/// a photo that cannot be analysed, or one the HTML page cannot show (a
/// warning names it; the page is still written), a file error (1).
pub fn compare(options: CompareOptions) -> Result<u8, Error> {
    let usage = |message: String| Error::Setup(SetupError::Usage(message));
    let want_images = options.format == PageFormat::Html;
    let mut analyzer = None;
    let mut inputs = Vec::new();
    let mut images = Vec::new();
    // Photos the page cannot show: each a warning, and a non-zero exit.
    let mut missing: Vec<String> = Vec::new();
    for path in &options.inputs {
        let source = path.display().to_string();
        if is_analysis_document(path) {
            let analysis = sagitta::read_analysis(path).map_err(|e| usage(e.to_string()))?;
            if let (Some(given), Some(recorded)) = (&options.client, &analysis.session.client)
                && given != recorded
            {
                return Err(usage(format!(
                    "{source}: is an analysis of client {recorded:?}, not of --client {given:?}"
                )));
            }
            images.push(
                want_images
                    .then(|| page_image(path, &analysis, &mut missing))
                    .flatten(),
            );
            inputs.push(CompareInput {
                source,
                kind: InputKind::Analysis,
                analysis,
            });
            continue;
        }
        let analyzer = match &mut analyzer {
            Some(analyzer) => analyzer,
            None => analyzer.insert(Analyzer::new(&options.analyzer)?),
        };
        let mut outcome = match analyzer.analyze_timed(path) {
            Ok(outcome) => outcome,
            Err(error) => {
                let text = format!("{error} (nothing was compared)");
                eprintln!("sagitta: {}", sagitta::input::terminal_safe(&text, false));
                return Ok(EXIT_FILE_FAILED);
            }
        };
        session::apply(
            &mut outcome.analysis,
            &SessionInput {
                client: options.client.clone(),
                ..SessionInput::default()
            },
        );
        images.push(
            want_images
                .then(|| {
                    let annotated = report::overlay::annotate(outcome.photo, &outcome.analysis);
                    report::files::encode_image(&annotated, Path::new("page.jpg")).ok()
                })
                .flatten(),
        );
        inputs.push(CompareInput {
            source,
            kind: InputKind::Photo,
            analysis: outcome.analysis,
        });
    }
    // The page shows the photos in the comparison's order.
    let order: Vec<String> = inputs.iter().map(|i| i.source.clone()).collect();
    let comparison = compare_analyses(inputs).map_err(|e| usage(e.to_string()))?;
    let mut out = io::stdout().lock();
    match options.format {
        PageFormat::Text => {
            report::write_compare_text(&comparison, &mut out).map_err(output_error)?
        }
        PageFormat::Json => print_json(&comparison, &mut out)?,
        PageFormat::Html => {
            let ordered: Vec<Option<Vec<u8>>> = comparison
                .inputs
                .iter()
                .map(|input| {
                    let at = order.iter().position(|s| *s == input.source);
                    at.and_then(|i| images[i].clone())
                })
                .collect();
            let page = report::render_compare_html(&comparison, &ordered);
            out.write_all(page.as_bytes()).map_err(output_error)?;
        }
    }
    Ok(warn_missing_photos(&missing))
}

/// Whether a compare input is a saved analysis (a `.json` name, or JSON
/// content) rather than a photo.
fn is_analysis_document(path: &Path) -> bool {
    use std::io::Read;
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
    {
        return true;
    }
    let mut start = [0u8; 64];
    let read = sagitta::input::open_regular(path)
        .and_then(|(mut file, _)| file.read(&mut start))
        .unwrap_or(0);
    let text = start[..read]
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(&start[..read]);
    text.iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b == b'{' || b == b'[')
}
