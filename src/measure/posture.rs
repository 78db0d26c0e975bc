//! The posture calls of a standing side view, each with a probability per
//! class: the pelvic pattern (anterior, neutral, posterior) and Kendall's
//! posture type, from the pelvic tilt, the spine curves of [`super::spine`]
//! and the plumb line.
//!
//! A class is called only when its probability reaches [`CALL_PROBABILITY`];
//! otherwise the call is `uncertain`, lists the classes still in reach in
//! `borderline`, and says in `to_settle` what would settle it.
use std::collections::BTreeMap;

use crate::schema::Measurement;

use super::{declined, keypoint_uncertainty_deg, round};

/// A call needs two-to-one odds (probability 2/3): a wrong call (a label and
/// a routine aimed at a pattern the person does not have) is taken as twice
/// as costly as a missed one (the call stays `uncertain`, the general
/// routine is planned, and the user is told how to settle it), and the Bayes
/// decision with those costs calls a class once its probability reaches
/// 2 / (2 + 1). A sagitta decision, not a published threshold.
pub const CALL_PROBABILITY: f64 = 2.0 / 3.0;
/// A class is listed as still in reach of an uncertain call when its
/// probability reaches one third: it could not be set aside at the same odds.
const IN_REACH_PROBABILITY: f64 = 1.0 / 3.0;
/// Standard deviations to a two-sided 90 % bound (`uncertainty_deg` is one).
const SD_TO_90_PERCENT: f64 = 1.645;

/// The pelvic classes, on the ASIS-PSIS angle (`pelvic_tilt`): past 23
/// degrees the tilt is beyond the range pelvic shape alone produces
/// (Preece2008: 0-23, mean 13, SD 5), below 0 the ASIS is higher than the
/// PSIS. The same cut-offs as the rules' tilt findings before the pattern.
pub const ANTERIOR_ABOVE_DEG: f64 = 23.0;
pub const POSTERIOR_BELOW_DEG: f64 = 0.0;
/// The prior on the tilt of a person standing relaxed: a normal
/// distribution with Preece2008's mean of 13 degrees and the spread that
/// puts Herrington2011's 6.5 % of healthy adults (6 % of men, 7 % of women)
/// below 0 degrees: 13 / 1.514 = 8.6 degrees. It gives 12 % above 23
/// degrees and 81.5 % in between.
const PRIOR_MEAN_DEG: f64 = 13.0;
const PRIOR_SD_DEG: f64 = 8.6;

const SETTLE_PELVIS: &str = "palpate the ASIS and PSIS and give them (--asis/--psis) or put coloured dots on them (--markers), and do a modified Thomas test to check for short hip flexors";

/// Standard normal cumulative distribution (Abramowitz and Stegun 7.1.26,
/// error under 1.5e-7).
pub fn normal_cdf(z: f64) -> f64 {
    let x = z.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * x);
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736 + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
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

/// Probabilities of the pelvic classes (posterior, neutral, anterior) given
/// a measured tilt and its 90 % uncertainty: the normal prior updated by a
/// normal measurement error.
pub fn pelvic_probabilities(tilt_deg: f64, uncertainty_deg: f64) -> [f64; 3] {
    let error_sd = (uncertainty_deg / SD_TO_90_PERCENT).max(1e-6);
    let precision = PRIOR_SD_DEG.powi(-2) + error_sd.powi(-2);
    let mean = (PRIOR_MEAN_DEG * PRIOR_SD_DEG.powi(-2) + tilt_deg * error_sd.powi(-2)) / precision;
    three_way(
        mean,
        precision.sqrt().recip(),
        POSTERIOR_BELOW_DEG,
        ANTERIOR_ABOVE_DEG,
    )
}

/// A call among classes: the class whose probability reaches
/// [`CALL_PROBABILITY`], else `uncertain` with the classes in reach.
fn call(
    method: &str,
    probabilities: &[(&str, f64)],
    confidence: f64,
    reference: &str,
    settle: &str,
) -> Measurement {
    let best = probabilities
        .iter()
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .filter(|(_, p)| *p >= CALL_PROBABILITY);
    let in_reach = || {
        probabilities
            .iter()
            .filter(|(_, p)| *p >= IN_REACH_PROBABILITY)
            .map(|(name, _)| name.to_string())
            .collect()
    };
    Measurement {
        method: method.to_string(),
        confidence: Some(round(confidence.clamp(0.0, 1.0), 2)),
        classification: Some(best.map_or("uncertain", |(name, _)| name).to_string()),
        borderline: if best.is_some() { Vec::new() } else { in_reach() },
        to_settle: best.is_none().then(|| settle.to_string()),
        probabilities: probabilities
            .iter()
            .map(|(name, p)| (name.to_string(), round(*p, 3)))
            .collect(),
        reference: Some(reference.to_string()),
        ..Measurement::default()
    }
}

/// A value and its 90 % uncertainty, if the measurement is usable.
fn reading(measurements: &BTreeMap<String, Measurement>, name: &str) -> Option<(f64, f64, f64)> {
    let m = measurements
        .get(name)
        .filter(|m| m.declined.is_none() && m.unreliable.is_none())?;
    let value = m.value_deg.or(m.value)?;
    let uncertainty = m.uncertainty_deg.or(m.uncertainty)?;
    Some((value, uncertainty, m.confidence.unwrap_or(0.0)))
}

/// The pelvic pattern from the pelvic tilt (estimated or palpated).
pub fn pelvic_pattern(measurements: &BTreeMap<String, Measurement>) -> Measurement {
    const METHOD: &str = "tilt_with_prior";
    let Some((tilt, uncertainty, confidence)) = reading(measurements, "pelvic_tilt") else {
        let reason = measurements
            .get("pelvic_tilt")
            .and_then(|m| m.declined.clone().or(m.unreliable.clone()))
            .unwrap_or_else(|| "the pelvic tilt was not measured".to_string());
        return declined(METHOD, format!("needs the pelvic tilt: {reason}"));
    };
    let [posterior, neutral, anterior] = pelvic_probabilities(tilt, uncertainty);
    call(
        METHOD,
        &[
            ("anterior", anterior),
            ("neutral", neutral),
            ("posterior", posterior),
        ],
        confidence,
        &format!(
            "anterior above {ANTERIOR_ABOVE_DEG} deg, posterior below {POSTERIOR_BELOW_DEG} deg (Preece2008); prior from Preece2008 and Herrington2011 (mean {PRIOR_MEAN_DEG}, SD {PRIOR_SD_DEG}); a class is called at probability {:.2} or more (sagitta decision)",
            CALL_PROBABILITY
        ),
        SETTLE_PELVIS,
    )
}

/// Surface measures of the spinal curves in healthy adults standing
/// (Lang-Tapia2011, SpinalMouse, 659 adults): lumbar lordosis 17.3 +/- 9.3
/// degrees in men and 29.6 +/- 11.3 in women, thoracic kyphosis 42.8 +/- 8.8
/// and 40.4 +/- 9.5. A photo does not tell the sex, so sagitta pools the two
/// (equal shares): the mean of the means, and the SD of the mixture.
const LORDOSIS_NORM: (f64, f64) = (23.45, 12.0);
const KYPHOSIS_NORM: (f64, f64) = (41.6, 9.2);
/// What the outline's arc angles read on a spine of that mean: the rendered
/// spine's curves are taken as the population's mean at the mean tilt, and
/// the outline reads them this much larger (the sweep's line on the posed
/// tilt at 13 degrees: lordosis 41.0 against 23.45, kyphosis 46.9 against
/// 41.6; benches/README.md "Spine curves"). The buttock's and shoulder
/// blades' soft tissue deepens the outline's curves beyond the spine's.
const LORDOSIS_OUTLINE_OFFSET_DEG: f64 = 41.0 - 23.45;
const KYPHOSIS_OUTLINE_OFFSET_DEG: f64 = 46.9 - 41.6;
/// A curve is `increased` above the norm's mean + 1 SD and `decreased`
/// below mean - 1 SD: outside the middle two thirds of healthy adults. No
/// study gives a cut-off for these surface angles; a sagitta heuristic.
const NORMAL_BAND_SD: f64 = 1.0;

/// Probabilities (decreased, normal, increased) of a curve's arc angle.
fn curve_probabilities(value: f64, uncertainty: f64, offset: f64, norm: (f64, f64)) -> [f64; 3] {
    let (mean, sd) = norm;
    three_way(
        value - offset,
        (uncertainty / SD_TO_90_PERCENT).max(1e-6),
        mean - NORMAL_BAND_SD * sd,
        mean + NORMAL_BAND_SD * sd,
    )
}

/// The pelvis is carried forward when the hip lies this far (fraction of
/// the body height) anterior of the shoulder on the plumb line (sagitta
/// heuristic: about 5 cm in an adult, as in the earlier rules).
const PELVIS_FORWARD: f64 = 0.03;
/// The SD of that difference from the keypoints: the shoulder's placement
/// relative to the hip errs by the trunk angle's error over a trunk length,
/// about 0.3 of the body height.
fn pelvis_forward_sd() -> f64 {
    let trunk_sd = keypoint_uncertainty_deg(crate::schema::ProtocolKind::Standing, "trunk_inclination")
        / SD_TO_90_PERCENT;
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
/// what no type covers is `mixed`.
pub fn kendall_type(measurements: &BTreeMap<String, Measurement>) -> Measurement {
    const METHOD: &str = "kendall_definitions";
    let pelvis = measurements.get("pelvic_pattern");
    let pelvic = pelvis
        .filter(|m| m.declined.is_none() && m.unreliable.is_none())
        .map(|m| {
            let p = |name: &str| m.probabilities.get(name).copied().unwrap_or(0.0);
            [p("posterior"), p("neutral"), p("anterior")]
        });
    let lordosis = reading(measurements, "lumbar_lordosis_angle");
    let kyphosis = reading(measurements, "thoracic_kyphosis_angle");
    let plumb = reading_plain(measurements, "plumb_hip")
        .zip(reading_plain(measurements, "plumb_shoulder"));
    let (Some(pelvic), Some(lordosis), Some(kyphosis), Some((hip, shoulder))) =
        (pelvic, lordosis, kyphosis, plumb)
    else {
        let missing: Vec<&str> = [
            ("the pelvic pattern", pelvic.is_none()),
            ("the lumbar lordosis", lordosis.is_none()),
            ("the thoracic kyphosis", kyphosis.is_none()),
            ("the plumb line", plumb.is_none()),
        ]
        .into_iter()
        .filter_map(|(name, missing)| missing.then_some(name))
        .collect();
        return declined(
            METHOD,
            format!(
                "needs the pelvic pattern, both spine curves and the plumb line; {} declined or unreliable",
                missing.join(", ")
            ),
        );
    };
    let [ll_down, ll_normal, ll_up] = curve_probabilities(
        lordosis.0,
        lordosis.1,
        LORDOSIS_OUTLINE_OFFSET_DEG,
        LORDOSIS_NORM,
    );
    let [tk_down, tk_normal, tk_up] = curve_probabilities(
        kyphosis.0,
        kyphosis.1,
        KYPHOSIS_OUTLINE_OFFSET_DEG,
        KYPHOSIS_NORM,
    );
    let [posterior, neutral, anterior] = pelvic;
    let forward = 1.0 - normal_cdf((PELVIS_FORWARD - (hip - shoulder)) / pelvis_forward_sd());
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
    probabilities.push(("mixed", (1.0 - covered).max(0.0)));
    let confidence = [pelvis.and_then(|m| m.confidence), Some(lordosis.2), Some(kyphosis.2)]
        .into_iter()
        .flatten()
        .fold(1.0, f64::min);
    call(
        METHOD,
        &probabilities,
        confidence,
        &format!(
            "Kendall1993 (types); curves against surface norms of Lang-Tapia2011 (mean +/- {NORMAL_BAND_SD} SD, sagitta heuristic); a type is called at probability {CALL_PROBABILITY:.2} or more (sagitta decision)"
        ),
        "photograph the back in close-fitting clothing with the arms clear of it, and settle the pelvis: palpate or mark ASIS and PSIS (--asis/--psis, --markers)",
    )
}

/// A plain value (no uncertainty needed), if usable.
fn reading_plain(measurements: &BTreeMap<String, Measurement>, name: &str) -> Option<f64> {
    measurements
        .get(name)
        .filter(|m| m.declined.is_none() && m.unreliable.is_none())
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
