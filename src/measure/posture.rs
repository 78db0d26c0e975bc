//! The posture calls of a standing side view, each with a probability per
//! class: the pelvic pattern (anterior, neutral, posterior) and Kendall's
//! posture type, from the pelvic tilt, the spine curves of [`super::spine`]
//! and the plumb line.
//!
//! A class is called only when its probability reaches
//! `pattern.call_probability` (more likely than not) both with the prior and from
//! the photo alone (see [`call`]); otherwise the call is
//! `uncertain`, lists the classes still in reach in `borderline`, and says
//! in `to_settle` what would settle it. The pelvic classes, the prior and the
//! curve norms are in assets/limits.toml (`pattern`, `posture`), each with
//! its source: anterior past 23 degrees and posterior below 0 (Preece2008),
//! a normal prior of mean 13 and SD 8.6 degrees (Preece2008's mean, and the
//! spread that puts Herrington2011's 6.5 % below 0).
use std::collections::BTreeMap;

use crate::schema::{Measurement, MeasurementId, Reading};

use super::{declined, keypoint_uncertainty_deg, round};
use crate::limits::limits;

/// Standard deviations to a two-sided 90 % bound (`uncertainty_deg` is one).
const SD_TO_90_PERCENT: f64 = 1.645;

/// The share of the probability that no Kendall type covers (for example an
/// anterior pelvis with a flat lumbar curve, or curves too uncertain to
/// class). It is reported but never called: it is mostly the curves'
/// uncertainty, not evidence of a posture outside the types.
const NO_TYPE: &str = "no_type";

const SETTLE_PELVIS: &str = "palpate the ASIS and PSIS and give them (--asis/--psis) or put coloured dots on them (--markers), and do a modified Thomas test to check for short hip flexors";

/// Standard normal cumulative distribution (Abramowitz and Stegun 7.1.26,
/// error under 1.5e-7).
pub fn normal_cdf(z: f64) -> f64 {
    let x = z.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * x);
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let erf = 1.0 - poly * (-x * x).exp();
    if z >= 0.0 {
        0.5 * (1.0 + erf)
    } else {
        0.5 * (1.0 - erf)
    }
}

/// Probabilities of a normal N(mean, sd) falling below `low`, between, and
/// above `high`.
fn three_way(mean: f64, sd: f64, low: f64, high: f64) -> [f64; 3] {
    let below = normal_cdf((low - mean) / sd);
    let above = 1.0 - normal_cdf((high - mean) / sd);
    [below, (1.0 - below - above).max(0.0), above]
}

/// Probabilities of the pelvic classes (posterior, neutral, anterior) from
/// a measured tilt and its 90 % uncertainty alone: a normal measurement
/// error and a flat prior.
pub fn pelvic_photo_alone(tilt_deg: f64, uncertainty_deg: f64) -> [f64; 3] {
    let pattern = &limits().pattern;
    three_way(
        tilt_deg,
        (uncertainty_deg / SD_TO_90_PERCENT).max(1e-6),
        pattern.posterior_below_deg,
        pattern.anterior_above_deg,
    )
}

/// Probabilities of the pelvic classes (posterior, neutral, anterior) given
/// a measured tilt and its 90 % uncertainty: the normal prior updated by a
/// normal measurement error.
pub fn pelvic_probabilities(tilt_deg: f64, uncertainty_deg: f64) -> [f64; 3] {
    let pattern = &limits().pattern;
    let (prior_mean, prior_sd) = (pattern.prior_mean_deg, pattern.prior_sd_deg);
    let error_sd = (uncertainty_deg / SD_TO_90_PERCENT).max(1e-6);
    let precision = prior_sd.powi(-2) + error_sd.powi(-2);
    let mean = (prior_mean * prior_sd.powi(-2) + tilt_deg * error_sd.powi(-2)) / precision;
    three_way(
        mean,
        precision.sqrt().recip(),
        pattern.posterior_below_deg,
        pattern.anterior_above_deg,
    )
}

/// A call among classes. A class is called when it is more likely than not
/// (`pattern.call_probability`) both with the published prevalences and
/// from the photo alone (a flat prior): the prior keeps weak evidence from
/// calling a rare class, and the photo-alone test keeps the prior from
/// calling the common class when the photo says little. Otherwise the call
/// is `uncertain`, listing as in reach every class with a third of the
/// probability (`pattern.in_reach_probability`) either way. `probabilities`
/// reports the probabilities with the prior. `with_prior` and `photo_alone`
/// list the same classes in the same order.
fn call(
    method: &str,
    with_prior: &[(&str, f64)],
    photo_alone: &[(&str, f64)],
    confidence: f64,
    reference: &str,
    settle: &str,
) -> Measurement {
    let pattern = &limits().pattern;
    let both = || {
        with_prior
            .iter()
            .zip(photo_alone)
            .filter(|((name, _), _)| *name != NO_TYPE)
            .map(|(&(name, p), &(_, alone))| (name, p, alone))
    };
    let best = both()
        .filter(|&(_, p, alone)| p >= pattern.call_probability && alone >= pattern.call_probability)
        .map(|(name, _, _)| name)
        .next();
    Measurement::Made(Reading {
        method: method.to_string(),
        confidence: Some(round(confidence.clamp(0.0, 1.0), 2)),
        classification: Some(best.unwrap_or("uncertain").to_string()),
        borderline: if best.is_some() {
            Vec::new()
        } else {
            both()
                .filter(|&(_, p, alone)| p.max(alone) >= pattern.in_reach_probability)
                .map(|(name, _, _)| name.to_string())
                .collect()
        },
        to_settle: best.is_none().then(|| settle.to_string()),
        probabilities: with_prior
            .iter()
            .map(|(name, p)| (name.to_string(), round(*p, 3)))
            .collect(),
        reference: Some(reference.to_string()),
        ..Reading::default()
    })
}

/// A value and its 90 % uncertainty, if the measurement is usable.
fn reading(
    measurements: &BTreeMap<String, Measurement>,
    id: MeasurementId,
) -> Option<(f64, f64, f64)> {
    let m = measurements.get(id.name())?.usable()?;
    let value = m.value_deg.or(m.value)?;
    let uncertainty = m.uncertainty_deg.or(m.uncertainty)?;
    Some((value, uncertainty, m.confidence.unwrap_or(0.0)))
}

/// The pelvic pattern from the pelvic tilt (estimated or palpated).
pub fn pelvic_pattern(measurements: &BTreeMap<String, Measurement>) -> Measurement {
    const METHOD: &str = "tilt_with_prior";
    let Some((tilt, uncertainty, confidence)) = reading(measurements, MeasurementId::PelvicTilt)
    else {
        let reason = measurements
            .get(MeasurementId::PelvicTilt.name())
            .and_then(Measurement::unusable_reason)
            .unwrap_or("the pelvic tilt was not measured");
        return declined(METHOD, format!("needs the pelvic tilt: {reason}"));
    };
    let classes = |[posterior, neutral, anterior]: [f64; 3]| {
        [
            ("anterior", anterior),
            ("neutral", neutral),
            ("posterior", posterior),
        ]
    };
    let pattern = &limits().pattern;
    call(
        METHOD,
        &classes(pelvic_probabilities(tilt, uncertainty)),
        &classes(pelvic_photo_alone(tilt, uncertainty)),
        confidence,
        &format!(
            "anterior above {} deg, posterior below {} deg (Preece2008); prior from Preece2008 and Herrington2011 (mean {}, SD {}); a class is called at probability {:.2} or more both with the prior and from the photo alone (sagitta decision)",
            pattern.anterior_above_deg,
            pattern.posterior_below_deg,
            pattern.prior_mean_deg,
            pattern.prior_sd_deg,
            pattern.call_probability
        ),
        SETTLE_PELVIS,
    )
}

/// Probabilities (decreased, normal, increased) of a curve's arc angle.
/// The outline's angle is moved onto the norm's scale by what it reads on
/// a spine of the norm's mean (`*_outline_at_neutral_deg`: the rendered
/// spine at the prior's mean tilt, taken as the population's average), then
/// compared with the norm's mean -/+ `normal_band_sd` SDs (LangTapia2011,
/// the sexes pooled).
fn curve_probabilities(
    value: f64,
    uncertainty: f64,
    outline_at_mean: f64,
    (mean, sd): (f64, f64),
) -> [f64; 3] {
    let band = limits().posture.normal_band_sd * sd;
    three_way(
        value - (outline_at_mean - mean),
        (uncertainty / SD_TO_90_PERCENT).max(1e-6),
        mean - band,
        mean + band,
    )
}

/// The SD of that difference from the keypoints: the shoulder's placement
/// relative to the hip errs by the trunk angle's error over a trunk length,
/// about 0.3 of the body height.
fn pelvis_forward_sd() -> f64 {
    let trunk_sd = keypoint_uncertainty_deg(MeasurementId::TrunkInclination) / SD_TO_90_PERCENT;
    0.3 * trunk_sd.to_radians().sin()
}

/// Kendall's posture types from their definitions (Kendall1993): ideal
/// (neutral pelvis, normal curves), lordotic (anterior pelvis, lordosis
/// increased, kyphosis not), kyphotic-lordotic (anterior pelvis, both curves
/// increased), kyphotic (kyphosis increased alone), flat-back (posterior
/// pelvis, lordosis decreased, pelvis not carried forward) and sway-back
/// (the same with the pelvis carried forward of the shoulders). The
/// probability of each is the product of its parts' probabilities (pelvic
/// pattern, each curve's class, the hip position), taken as independent;
/// what no type covers is `no_type`, never called.
pub fn kendall_type(measurements: &BTreeMap<String, Measurement>) -> Measurement {
    const METHOD: &str = "kendall_definitions";
    let pelvis = measurements
        .get(MeasurementId::PelvicPattern.name())
        .and_then(Measurement::usable);
    // The pelvic classes with the prior and from the photo alone, from the
    // tilt the pattern was called on.
    let pelvic = pelvis
        .and(reading(measurements, MeasurementId::PelvicTilt))
        .map(|(tilt, u, _)| (pelvic_probabilities(tilt, u), pelvic_photo_alone(tilt, u)));
    let lordosis = reading(measurements, MeasurementId::LumbarLordosisAngle);
    let kyphosis = reading(measurements, MeasurementId::ThoracicKyphosisAngle);
    let plumb = reading_plain(measurements, MeasurementId::PlumbHip)
        .zip(reading_plain(measurements, MeasurementId::PlumbShoulder));
    let (Some(pelvic), Some(lordosis), Some(kyphosis)) = (pelvic, lordosis, kyphosis) else {
        let missing: Vec<&str> = [
            ("the pelvic pattern", pelvic.is_none()),
            ("the lumbar lordosis", lordosis.is_none()),
            ("the thoracic kyphosis", kyphosis.is_none()),
        ]
        .into_iter()
        .filter_map(|(name, missing)| missing.then_some(name))
        .collect();
        return declined(
            METHOD,
            format!(
                "needs the pelvic pattern and both spine curves; {} declined or unreliable",
                missing.join(", ")
            ),
        );
    };
    let norms = &limits().posture;
    let [ll_down, ll_normal, ll_up] = curve_probabilities(
        lordosis.0,
        lordosis.1,
        norms.lordosis_outline_at_neutral_deg,
        (norms.lordosis_norm_mean_deg, norms.lordosis_norm_sd_deg),
    );
    let [tk_down, tk_normal, tk_up] = curve_probabilities(
        kyphosis.0,
        kyphosis.1,
        norms.kyphosis_outline_at_neutral_deg,
        (norms.kyphosis_norm_mean_deg, norms.kyphosis_norm_sd_deg),
    );
    // Whether the pelvis is carried forward of the shoulders (sway-back
    // rather than flat-back). Without the plumb line (feet outside the
    // photo) it is unknown: even odds, so neither of the two can be called
    // and both stay in reach when the rest points to them.
    let forward = plumb.map_or(0.5, |(hip, shoulder)| {
        1.0 - normal_cdf((norms.pelvis_forward_height - (hip - shoulder)) / pelvis_forward_sd())
    });
    let types = |[posterior, neutral, anterior]: [f64; 3]| {
        let types = [
            ("ideal", neutral * ll_normal * tk_normal),
            ("lordotic", anterior * ll_up * (tk_normal + tk_down)),
            ("kyphotic_lordotic", anterior * ll_up * tk_up),
            ("kyphotic", neutral * ll_normal * tk_up),
            ("flat_back", posterior * ll_down * (1.0 - forward)),
            ("sway_back", posterior * ll_down * forward),
        ];
        let covered: f64 = types.iter().map(|(_, p)| p).sum();
        let mut probabilities = types.to_vec();
        probabilities.push((NO_TYPE, (1.0 - covered).max(0.0)));
        probabilities
    };
    let (with_prior, photo_alone) = pelvic;
    let confidence = [
        pelvis.and_then(|m| m.confidence),
        Some(lordosis.2),
        Some(kyphosis.2),
    ]
    .into_iter()
    .flatten()
    .fold(1.0, f64::min);
    call(
        METHOD,
        &types(with_prior),
        &types(photo_alone),
        confidence,
        &format!(
            "Kendall1993 (types); curves against surface norms of LangTapia2011 (mean +/- {} SD, sagitta heuristic); a type is called at probability {:.2} or more (sagitta decision)",
            norms.normal_band_sd,
            limits().pattern.call_probability
        ),
        "photograph the back in close-fitting clothing with the arms clear of it, and settle the pelvis: palpate or mark ASIS and PSIS (--asis/--psis, --markers)",
    )
}

/// A plain value (no uncertainty needed), if usable.
fn reading_plain(measurements: &BTreeMap<String, Measurement>, id: MeasurementId) -> Option<f64> {
    measurements
        .get(id.name())
        .and_then(Measurement::usable)
        .and_then(|m| m.value_deg.or(m.value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_normal_cdf_matches_its_table() {
        assert!((normal_cdf(0.0) - 0.5).abs() < 1e-7);
        assert!((normal_cdf(1.0) - 0.841_344_7).abs() < 1e-6);
        assert!((normal_cdf(-1.644_853_6) - 0.05).abs() < 1e-6);
        assert!((normal_cdf(3.0) - 0.998_650_1).abs() < 1e-6);
    }

    #[test]
    fn the_prior_reproduces_the_published_shares() {
        // With no information from the photo the probabilities are the prior's.
        let [posterior, neutral, anterior] = pelvic_probabilities(0.0, 1e6);
        assert!((posterior - 0.065).abs() < 0.002, "{posterior}");
        assert!((anterior - 0.122).abs() < 0.005, "{anterior}");
        assert!((posterior + neutral + anterior - 1.0).abs() < 1e-9);
    }

    #[test]
    fn a_precise_tilt_decides_and_an_imprecise_one_leans_to_the_prior() {
        let [_, _, anterior] = pelvic_probabilities(30.0, 3.6);
        assert!(anterior > 0.95, "{anterior}");
        let [_, neutral, anterior] = pelvic_probabilities(30.0, 30.0);
        assert!(neutral > anterior, "{neutral} {anterior}");
        let [posterior, ..] = pelvic_probabilities(-8.0, 3.6);
        assert!(posterior > 0.9, "{posterior}");
    }
}
