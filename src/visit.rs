//! One visit (`sagitta visit`): the saved analyses of one client on one
//! date, typically the standing photo and the Thomas test of each leg, made
//! into one document: every photo's findings with its source, the left
//! against the right Thomas test, one screening and one routine planned
//! from all the findings.
//!
//! Warning signs belong to the client on that date, not to a photo: a yes
//! recorded with any photo (or given to `visit`) withholds the visit's
//! routine with the referral, and the screening reads `negative` only when
//! every question was answered no for the visit.

use crate::PlanOptions;
use crate::compare::{CompareInput, compare};
use crate::recommend::{Recommender, Screening};
use crate::schema::{
    Analysis, AssessmentStatus, InputKind, ProtocolKind, Side, VISIT_SCHEMA_VERSION, Visit,
    VisitFinding, VisitPhoto,
};

/// A saved analysis, with the file it came from.
#[derive(Debug, Clone)]
pub struct VisitInput {
    pub source: String,
    pub analysis: Analysis,
}

/// What a photo shows, in words: "standing", "Thomas test, left leg".
pub fn photo_label(analysis: &Analysis) -> String {
    let leg = analysis.protocol.test_leg.map(Side::name);
    match (analysis.protocol.kind, leg) {
        (ProtocolKind::Standing, _) => "standing".to_string(),
        (ProtocolKind::ThomasTest, Some(leg)) => format!("Thomas test, {leg} leg"),
        (ProtocolKind::ThomasTest, None) => "Thomas test".to_string(),
        (ProtocolKind::Unsupported, _) => "no posture sagitta can assess".to_string(),
    }
}

/// Why saved analyses cannot be made one visit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VisitError {
    #[error("a visit needs at least one saved analysis")]
    NoAnalyses,
    /// The analyses record different clients or dates: `listed` names each
    /// input and what it records.
    #[error(
        "a visit is the photos of one client on one date, and these differ: {} (sagitta compare compares visits)",
        listed.join(", ")
    )]
    Differ { listed: Vec<String> },
}

/// The one value every input that records it agrees on, or the inputs that
/// disagree.
fn agreed<'a>(
    inputs: &'a [VisitInput],
    field: impl Fn(&'a Analysis) -> Option<&'a String>,
    what: &str,
) -> Result<Option<String>, VisitError> {
    let mut values: Vec<(&str, &String)> = inputs
        .iter()
        .filter_map(|i| field(&i.analysis).map(|v| (i.source.as_str(), v)))
        .collect();
    values.dedup_by(|a, b| a.1 == b.1);
    match values.as_slice() {
        [] => Ok(None),
        [(_, value)] => Ok(Some((*value).clone())),
        _ => {
            let listed: Vec<String> = values
                .iter()
                .map(|(source, value)| format!("{source} is {what} {value:?}"))
                .collect();
            Err(VisitError::Differ { listed })
        }
    }
}

/// Makes one visit of the analyses: refused (with the reason) when they
/// record different clients or dates, or when there are none. `options`
/// gives the budget, the catalogue and rules, and warning signs reported
/// for the visit itself.
pub fn visit(
    inputs: Vec<VisitInput>,
    recommender: &Recommender,
    options: &PlanOptions,
) -> Result<Visit, VisitError> {
    if inputs.is_empty() {
        return Err(VisitError::NoAnalyses);
    }
    let client = agreed(&inputs, |a| a.session.client.as_ref(), "client")?;
    let date = agreed(&inputs, |a| a.session.date.as_ref(), "dated")?;
    let mut warnings = Vec::new();
    if client.is_none() {
        warnings.push(
            "no photo records a client (--client or a manifest): sagitta cannot check that they show one person"
                .to_string(),
        );
    }
    if date.is_none() {
        warnings.push(
            "no photo records a date: sagitta cannot check that they were taken at one visit"
                .to_string(),
        );
    }
    let photos: Vec<VisitPhoto> = inputs
        .iter()
        .enumerate()
        .map(|(i, input)| {
            let a = &input.analysis;
            VisitPhoto {
                index: i + 1,
                source: input.source.clone(),
                label: photo_label(a),
                image: a.image.clone(),
                protocol: a.protocol.kind,
                protocol_valid: a.protocol.valid,
                test_leg: a.protocol.test_leg,
                assessment: a.assessment.clone(),
                borderline: a.borderline.clone(),
            }
        })
        .collect();
    let assessed: Vec<(&VisitPhoto, &Analysis)> = photos
        .iter()
        .zip(&inputs)
        .filter(|(photo, _)| photo.assessment.status == AssessmentStatus::Assessed)
        .map(|(photo, input)| (photo, &input.analysis))
        .collect();
    let findings: Vec<VisitFinding> = assessed
        .iter()
        .flat_map(|(photo, a)| {
            a.findings.iter().map(|finding| VisitFinding {
                photo: photo.index,
                source: photo.label.clone(),
                finding: finding.clone(),
            })
        })
        .collect();
    for (photo, _) in photos
        .iter()
        .zip(&inputs)
        .filter(|(p, _)| p.assessment.status != AssessmentStatus::Assessed)
    {
        warnings.push(format!(
            "photo {} ({}) was not assessed: its findings are not in the visit",
            photo.index, photo.source
        ));
    }

    // One screening for the visit: every photo's answers and the visit's own.
    let mut screening = options.screening.clone();
    for input in &inputs {
        screening.merge(Screening::from_record(&input.analysis.screening));
    }
    let routine = if !screening.is_empty() || !assessed.is_empty() || options.general_routine {
        // The evidence names its photo, so the routine's reasons do too.
        let sourced: Vec<_> = findings
            .iter()
            .map(|f| {
                let mut finding = f.finding.clone();
                finding.because = format!("{}: {}", f.source, finding.because);
                finding
            })
            .collect();
        let mut borderline: Vec<String> = Vec::new();
        for (_, a) in &assessed {
            for b in &a.borderline {
                if !borderline.contains(&b.id) {
                    borderline.push(b.id.clone());
                }
            }
        }
        let general = assessed.is_empty();
        Some(recommender.plan_with(&sourced, &borderline, &screening, options.minutes, general))
    } else {
        warnings.push("no photo was assessed, so the visit has no routine".to_string());
        None
    };

    let asymmetry = left_right(&inputs);
    let mut references: Vec<String> = Vec::new();
    let cited = inputs
        .iter()
        .flat_map(|i| i.analysis.references.iter().cloned())
        .chain(asymmetry.iter().flat_map(|a| {
            a.measurements
                .iter()
                .flat_map(|m| m.judgement.mdc_references.clone())
        }));
    for key in cited {
        if !references.contains(&key) {
            references.push(key);
        }
    }
    Ok(Visit {
        schema_version: VISIT_SCHEMA_VERSION.to_string(),
        client,
        date,
        photos,
        findings,
        asymmetry,
        screening: screening.record(),
        routine,
        warnings,
        references,
    })
}

/// The left against the right Thomas test, as `compare` judges it, with the
/// photos' indices of the visit.
fn left_right(inputs: &[VisitInput]) -> Vec<crate::schema::Asymmetry> {
    let thomas: Vec<(usize, &VisitInput)> = inputs
        .iter()
        .enumerate()
        .filter(|(_, i)| i.analysis.protocol.kind == ProtocolKind::ThomasTest)
        .map(|(index, input)| (index + 1, input))
        .collect();
    let legs = |leg: Side| {
        thomas
            .iter()
            .any(|(_, i)| i.analysis.protocol.test_leg == Some(leg))
    };
    if !(legs(Side::Left) && legs(Side::Right)) {
        return Vec::new();
    }
    let compared: Vec<CompareInput> = thomas
        .iter()
        .map(|(_, input)| CompareInput {
            source: input.source.clone(),
            kind: InputKind::Analysis,
            analysis: input.analysis.clone(),
        })
        .collect();
    let Ok(comparison) = compare(compared) else {
        return Vec::new();
    };
    // compare keeps one date's inputs in the order given: its index k is
    // the k-th Thomas test of the visit.
    comparison
        .asymmetry
        .into_iter()
        .map(|mut a| {
            a.left = thomas[a.left - 1].0;
            a.right = thomas[a.right - 1].0;
            a
        })
        .collect()
}
