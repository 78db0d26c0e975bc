//! Planning: what the rules make of a measured photo (classes, findings,
//! borderline values, the assessment) and the routine planned from it. The
//! same [`plan`] serves `analyze`, `routine --from` and `measure --from`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::error::SetupError;
use crate::measure;
use crate::recommend::{self, Recommender, Screening};
use crate::references;
use crate::schema::{
    Analysis, Assessment, AssessmentStatus, Borderline, Finding, Measurement, Protocol,
    ProtocolKind, Routine, ScreeningRecord, Warning,
};

/// How the routine is planned.
#[derive(Debug, Clone)]
pub struct PlanOptions {
    /// Replacement catalogue and rules files (`None`: the built-in ones).
    pub catalog: Option<PathBuf>,
    pub rules: Option<PathBuf>,
    pub screening: Screening,
    /// Time budget of the routine.
    pub minutes: f64,
    /// For a photo that could not be assessed: plan a general routine,
    /// labelled as not based on the photo, instead of none.
    pub general_routine: bool,
}

impl Default for PlanOptions {
    fn default() -> Self {
        Self {
            catalog: None,
            rules: None,
            screening: Screening::default(),
            minutes: recommend::DEFAULT_MINUTES,
            general_routine: false,
        }
    }
}

impl PlanOptions {
    pub fn recommender(&self) -> Result<Recommender, SetupError> {
        Ok(Recommender::load(
            self.catalog.as_deref(),
            self.rules.as_deref(),
        )?)
    }
}

/// What the planning stage makes of a measured photo: the measurements
/// classified, the assessment, findings, borderline values, the screening,
/// the routine, and the warnings with planning's own notes.
#[derive(Debug, Clone)]
pub struct Planned {
    pub measurements: BTreeMap<String, Measurement>,
    pub assessment: Assessment,
    pub findings: Vec<Finding>,
    pub borderline: Vec<Borderline>,
    pub screening: ScreeningRecord,
    pub routine: Option<Routine>,
    pub warnings: Vec<Warning>,
}

/// Findings, classifications, the assessment and the routine for a measured
/// photo. The same function serves `analyze` and `routine --from`, so both
/// plan alike. A photo that was not assessed gets no routine (the referral
/// when a warning sign was reported; a general one only when asked for).
pub fn plan(
    recommender: &Recommender,
    options: &PlanOptions,
    protocol: &Protocol,
    measurements: BTreeMap<String, Measurement>,
    mut warnings: Vec<Warning>,
) -> Planned {
    let measurements = recommender.classify(protocol, measurements);
    let evaluation = recommender.evaluate(protocol, &measurements);
    let assessment = assess(protocol, &evaluation);
    let findings = evaluation.findings;
    let borderline = evaluation.borderline;
    let screening = options.screening.record();
    let assessed = assessment.status != AssessmentStatus::NotAssessed;
    // Planning's notes of an earlier plan (`routine --from`) give way to
    // this one's.
    warnings.retain(|w| !w.is_planning_note());
    if assessed && options.general_routine {
        warnings.push(Warning::GeneralRoutineIgnored);
    }
    let routine = if !options.screening.is_empty() || assessed {
        let borderline: Vec<String> = borderline.iter().map(|b| b.id.clone()).collect();
        Some(recommender.plan_with(
            &findings,
            &borderline,
            &options.screening,
            options.minutes,
            false,
        ))
    } else if options.general_routine {
        Some(recommender.plan(&[], &options.screening, options.minutes, true))
    } else {
        None
    };
    if routine.is_none() && options.minutes != recommend::DEFAULT_MINUTES {
        warnings.push(Warning::MinutesUnused {
            minutes: options.minutes,
        });
    }
    Planned {
        measurements,
        assessment,
        findings,
        borderline,
        screening,
        routine,
        warnings,
    }
}

/// Plans an existing document again (`routine --from`): its planned parts
/// are replaced by what [`plan`] makes of its protocol and measurements.
pub fn plan_routine(recommender: &Recommender, options: &PlanOptions, analysis: &mut Analysis) {
    let planned = plan(
        recommender,
        &replan_options(options, &analysis.screening),
        &analysis.protocol,
        std::mem::take(&mut analysis.measurements),
        std::mem::take(&mut analysis.warnings),
    );
    let Planned {
        measurements,
        assessment,
        findings,
        borderline,
        screening,
        routine,
        warnings,
    } = planned;
    analysis.measurements = measurements;
    analysis.assessment = assessment;
    analysis.findings = findings;
    analysis.borderline = borderline;
    analysis.screening = screening;
    analysis.routine = routine;
    analysis.warnings = warnings;
    analysis.references = references::cited_by(analysis);
}

/// The plan options for a saved document planned again: the warning signs
/// and answers it records, with those given now added. Nothing given now
/// clears a warning sign the document records, so a re-plan of a document
/// with one keeps the routine withheld.
pub(crate) fn replan_options(options: &PlanOptions, saved: &ScreeningRecord) -> PlanOptions {
    let mut screening = Screening::from_record(saved);
    screening.merge(options.screening.clone());
    PlanOptions {
        screening,
        ..options.clone()
    }
}

/// Whether the rules could judge what they read: not at all for an
/// unsupported or invalid protocol, or when every measurement they read was
/// declined or unreliable; partly when some were, or when the photo could
/// not confirm part of the protocol.
fn assess(protocol: &Protocol, evaluation: &recommend::Evaluation) -> Assessment {
    let retake = Some(
        protocol
            .retake
            .clone()
            .unwrap_or_else(|| measure::retake_advice(protocol.kind).to_string()),
    );
    if protocol.kind == ProtocolKind::Unsupported || !protocol.valid {
        let what = match protocol.kind {
            ProtocolKind::Unsupported => {
                "the photo shows no posture sagitta can assess".to_string()
            }
            kind => format!(
                "the photo does not show a valid {}",
                <&str>::from(kind).replace('_', " ")
            ),
        };
        return Assessment {
            status: AssessmentStatus::NotAssessed,
            reasons: vec![format!("{what}: {}", protocol.reason)],
            retake,
        };
    }
    let judged = evaluation
        .read
        .iter()
        .filter(|name| {
            !evaluation
                .unassessed
                .iter()
                .any(|u| &u.measurement == *name)
        })
        .count();
    let mut reasons: Vec<String> = evaluation
        .unassessed
        .iter()
        .map(|u| u.to_string())
        .collect();
    if !evaluation.read.is_empty() && judged == 0 {
        reasons.insert(
            0,
            "none of the measurements the rules read could be made reliably".to_string(),
        );
        return Assessment {
            status: AssessmentStatus::NotAssessed,
            reasons,
            retake,
        };
    }
    reasons.extend(protocol.unconfirmed.iter().cloned());
    if reasons.is_empty() {
        Assessment {
            status: AssessmentStatus::Assessed,
            reasons,
            retake: None,
        }
    } else {
        Assessment {
            status: AssessmentStatus::Partial,
            reasons,
            retake,
        }
    }
}
