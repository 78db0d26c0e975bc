//! sagitta: sagittal posture analysis from side-view photos.
//!
//! Data flows one way: photo ([`image_io`]) -> keypoints ([`pose`]) ->
//! measurements ([`measure`]) -> findings and routine ([`recommend`],
//! [`plan`]) -> analysis document ([`document`], types in [`schema`]) ->
//! report ([`report`]). [`analyzer`] runs a photo through all of them;
//! [`remeasure`] runs a saved document's keypoints through measuring and
//! planning again. The command line and the batch runner are modules of the
//! binary (`src/main.rs`), not of this library; errors and their exit codes
//! are in [`error`].
//!
//! ```no_run
//! use sagitta::{Analyzer, AnalyzerOptions};
//! let mut analyzer = Analyzer::new(&AnalyzerOptions::default())?;
//! let analysis = analyzer.analyze(std::path::Path::new("samples/walker_01.jpg"))?;
//! println!("{}", analysis.pose.persons_found);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

// Leaves: imported by the stages, importing none of them.
pub mod error;
pub mod input;
pub(crate) mod limits;
pub mod references;
pub mod schema;

// The stages, in the order the data flows.
pub mod analyzer;
pub mod compare;
pub mod document;
pub mod image_io;
pub mod measure;
pub mod plan;
pub mod pose;
pub mod recommend;
pub mod remeasure;
pub mod report;
pub mod review;
pub mod session;
pub mod visit;

pub use analyzer::{Analyzer, AnalyzerOptions, Outcome, StageTimings};
pub use document::{DocumentError, read_analysis};
pub use plan::{PlanOptions, Planned, plan, plan_routine};
pub use remeasure::{Remeasure, RemeasureError, remeasure};
