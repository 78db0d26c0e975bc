//! Every threshold of the measurement stage, and the uncertainties it
//! attaches, from `assets/limits.toml` (embedded): parsed once into typed
//! values, each with the keys of the works it rests on
//! (`assets/references.toml`) and how it was set. The stages read the
//! numbers here; none defines its own.

use std::sync::OnceLock;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer};

use crate::schema::{MeasurementId, ProtocolKind};

const EMBEDDED: &str = include_str!("../assets/limits.toml");

/// One entry of the file as written: its value, unit, citation keys and how
/// it was set. The code keeps the value; the rest is checked at load.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    value: f64,
    unit: String,
    cite: Vec<String>,
    set: String,
}

/// One table of the file (`[keypoint]`, `[pelvis]`, ...) whose numbers are
/// all entries: each `name = { value, unit, cite, set }` is checked and
/// handed to the table's type `T` as its bare value, so that `T` holds plain
/// `f64` fields and reads as the numbers it keeps. A bare number, where an
/// entry belongs, is refused; a nested table without a `value` (a fitted
/// calibration) and a list (the benchmark errors) go to `T` as they are,
/// and their own types check their provenance. Derefs to `T`.
#[derive(Debug, Clone)]
pub struct Cited<T>(T);

impl<T> std::ops::Deref for Cited<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<'de, T: serde::de::DeserializeOwned> Deserialize<'de> for Cited<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut table = toml::Table::deserialize(deserializer)?;
        for (name, item) in table.iter_mut() {
            let value = match item {
                toml::Value::Table(fields) if fields.contains_key("value") => {
                    let entry = Entry::deserialize(toml::Value::Table(fields.clone()))
                        .map_err(|e| D::Error::custom(format!("{name}: {}", e.message())))?;
                    checked_value(entry).map_err(|e| D::Error::custom(format!("{name}: {e}")))?
                }
                toml::Value::Integer(_) | toml::Value::Float(_) => {
                    return Err(D::Error::custom(format!(
                        "{name}: a number needs its entry: {{ value, unit, cite, set }}"
                    )));
                }
                _ => continue,
            };
            *item = toml::Value::Float(value);
        }
        table.try_into().map(Cited).map_err(D::Error::custom)
    }
}

/// Checks one entry, and keeps its value.
fn checked_value(entry: Entry) -> Result<f64, String> {
    if entry.unit.trim().is_empty() {
        return Err("an entry needs its `unit`".to_string());
    }
    check_provenance(&entry.cite, &entry.set)?;
    finite(entry.value)
}

fn finite(value: f64) -> Result<f64, String> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(format!("{value} is not a finite number"))
    }
}

/// Every citation key must name a work of references.toml, and `set` must
/// say how the number was set.
fn check_provenance(cite: &[String], set: &str) -> Result<(), String> {
    if cite.is_empty() {
        return Err("an entry needs at least one `cite` key".to_string());
    }
    if let Some(key) = cite.iter().find(|k| crate::references::get(k).is_none()) {
        return Err(format!(
            "cites {key:?}, which assets/references.toml does not define"
        ));
    }
    if set.trim().is_empty() {
        return Err("an entry needs `set`: how the number was set".to_string());
    }
    Ok(())
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    pub keypoint: Cited<KeypointLimits>,
    pub person: Cited<PersonLimits>,
    pub mask: Cited<MaskLimits>,
    pub view: Cited<ViewLimits>,
    pub protocol: Cited<ProtocolLimits>,
    pub uncertainty: Cited<UncertaintyLimits>,
    pub pelvis: Cited<PelvisLimits>,
    pub neck: Cited<NeckLimits>,
    pub spine: Cited<SpineLimits>,
    pub pattern: Cited<PatternLimits>,
    pub posture: Cited<PostureLimits>,
    pub compare: Cited<CompareLimits>,
}

/// `sagitta compare`: the published reliability figures a change is held
/// against, and when two photos count as one camera set-up.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompareLimits {
    pub thomas_knee_mdc_deg: f64,
    pub thomas_hip_sem_deg: f64,
    pub max_scale_ratio: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeypointLimits {
    /// Below this visibility a keypoint counts as not seen.
    pub min_visibility: f64,
    /// Below this presence a keypoint counts as not placed in the photo.
    pub min_presence: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonLimits {
    /// Below this pose presence the detector's find is not a confirmed body.
    pub min_pose_presence: f64,
    /// Detections at least this share of the best score compete on size.
    pub prominent_min_score_share: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaskLimits {
    /// The body outline is where the mask crosses this probability.
    pub person_probability: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ViewLimits {
    pub max_side_separation_torso: f64,
    pub min_lateral_score: f64,
    pub side_score_doubt: f64,
    pub near_side_visibility_margin: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProtocolLimits {
    pub upright_deg: f64,
    pub lying_deg: f64,
    pub max_standing_hip_flexion_deg: f64,
    pub max_standing_knee_flexion_deg: f64,
    pub heel_level_tolerance_leg: f64,
    pub heel_rise_error_leg: f64,
    pub max_stance_knee_flexion_deg: f64,
    pub min_held_hip_flexion_deg: f64,
    pub max_test_hip_flexion_deg: f64,
    pub min_test_shank_drop_thigh: f64,
    pub min_thomas_ankle_drop_torso: f64,
    pub max_trunk_tilt_deg: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UncertaintyLimits {
    pub segment_deg: f64,
    pub knee_deg: f64,
    pub palpation_deg: f64,
    pub craniovertebral_deg: f64,
    pub pelvic_morphology_sd_deg: f64,
    pub plumb_height: f64,
    pub benchmark_p90: Vec<BenchmarkError>,
}

/// sagitta's own 90th-percentile error of one keypoint angle on one protocol.
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "RawBenchmarkError")]
pub struct BenchmarkError {
    pub measurement: MeasurementId,
    pub error_deg: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBenchmarkError {
    protocol: ProtocolKind,
    measurement: String,
    #[serde(flatten)]
    entry: Entry,
}

impl TryFrom<RawBenchmarkError> for BenchmarkError {
    type Error = String;

    fn try_from(raw: RawBenchmarkError) -> Result<Self, String> {
        check_provenance(&raw.entry.cite, &raw.entry.set)?;
        let measurement =
            MeasurementId::from_name(&raw.measurement, raw.protocol).ok_or_else(|| {
                let protocol: &str = raw.protocol.into();
                format!(
                    "uncertainty.benchmark_p90: {} is not a measurement of {protocol}",
                    raw.measurement
                )
            })?;
        Ok(Self {
            measurement,
            error_deg: finite(raw.entry.value)?,
        })
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PelvisLimits {
    pub band_top_torso: f64,
    pub band_bottom_torso: f64,
    pub min_level_share: f64,
    pub min_span_share: f64,
    pub max_residual_torso: f64,
    pub max_bump_torso: f64,
    pub min_buttock_curve_torso: f64,
    pub draped_extra_deg: f64,
    pub confidence_halving_deg: f64,
    pub arm_clearance_torso: f64,
    pub arm_over_front_share: f64,
    pub front_calibration: Calibration,
    pub back_calibration: Calibration,
    pub lumbar_deformation_sd_deg: f64,
    pub marker_search_torso: f64,
    pub landmark_min_spacing_torso: f64,
    pub landmark_max_spacing_torso: f64,
    pub landmark_min_tilt_deg: f64,
    pub landmark_max_tilt_deg: f64,
    pub marker_max_dot_torso: f64,
    pub marker_min_dot_px: f64,
    pub marker_hue_tolerance_deg: f64,
    pub marker_min_saturation: f64,
    pub marker_min_value: f64,
    pub marker_min_visible_span: f64,
    pub marker_min_visible_share: f64,
    pub marker_max_fleck_share: f64,
    pub marker_max_radius_ratio: f64,
    pub marker_min_diameter_torso: f64,
    pub marker_max_diameter_torso: f64,
    pub marker_ball_lift_asis: f64,
    pub marker_ball_lift_psis: f64,
    pub marker_ball_lift_sd: f64,
    pub marker_surround_inner_radii: f64,
    pub marker_surround_outer_radii: f64,
    pub marker_max_surround_share: f64,
    pub marker_stand_out_sd: f64,
}

/// Tilt from one outline's inclination: `offset_deg + gain * inclination`,
/// with the residual spread of that line across the rendered bodies. Fitted
/// coefficients, not thresholds; they carry their provenance like the limits.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(try_from = "RawCalibration")]
pub struct Calibration {
    pub offset_deg: f64,
    pub gain: f64,
    pub residual_sd_deg: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCalibration {
    offset_deg: f64,
    gain: f64,
    residual_sd_deg: f64,
    cite: Vec<String>,
    set: String,
}

impl TryFrom<RawCalibration> for Calibration {
    type Error = String;

    fn try_from(raw: RawCalibration) -> Result<Self, String> {
        check_provenance(&raw.cite, &raw.set)?;
        Ok(Self {
            offset_deg: finite(raw.offset_deg)?,
            gain: finite(raw.gain)?,
            residual_sd_deg: finite(raw.residual_sd_deg)?,
        })
    }
}

impl Calibration {
    pub fn tilt_deg(self, inclination_deg: f64) -> f64 {
        self.offset_deg + self.gain * inclination_deg
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NeckLimits {
    pub c7_level: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpineLimits {
    pub top_torso: f64,
    pub bottom_torso: f64,
    pub step_torso: f64,
    pub buttock_band_low: f64,
    pub buttock_band_high: f64,
    pub thoracic_band_low: f64,
    pub thoracic_band_high: f64,
    pub min_level_share: f64,
    pub max_gap_torso: f64,
    pub max_roughness_torso: f64,
    pub lordosis_depth_body_sd: f64,
    pub lordosis_angle_body_sd_deg: f64,
    pub kyphosis_depth_body_sd: f64,
    pub kyphosis_angle_body_sd_deg: f64,
    pub buttock_body_sd: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatternLimits {
    pub call_probability: f64,
    pub in_reach_probability: f64,
    pub anterior_above_deg: f64,
    pub posterior_below_deg: f64,
    pub prior_mean_deg: f64,
    pub prior_sd_deg: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostureLimits {
    pub lordosis_norm_mean_deg: f64,
    pub lordosis_norm_sd_deg: f64,
    pub kyphosis_norm_mean_deg: f64,
    pub kyphosis_norm_sd_deg: f64,
    pub lordosis_outline_at_neutral_deg: f64,
    pub kyphosis_outline_at_neutral_deg: f64,
    pub normal_band_sd: f64,
    pub pelvis_forward_height: f64,
}

impl Limits {
    /// The confidence floor. A measurement's confidence is the lowest
    /// visibility of its keypoints times the side-view score, so one under
    /// the product of the two limits has failed at least one of the two
    /// checks: it is shown as unreliable, never classified.
    pub fn confidence_floor(&self) -> f64 {
        self.keypoint.min_visibility * self.view.min_lateral_score
    }

    /// sagitta's benchmark error of `measurement`, if measured.
    pub fn benchmark_p90_deg(&self, measurement: MeasurementId) -> Option<f64> {
        self.uncertainty
            .benchmark_p90
            .iter()
            .find(|e| e.measurement == measurement)
            .map(|e| e.error_deg)
    }
}

/// Every limit, parsed and checked once. The embedded file is checked by the
/// tests, so a failure here is a build defect.
pub fn limits() -> &'static Limits {
    static LIMITS: OnceLock<Limits> = OnceLock::new();
    LIMITS.get_or_init(|| {
        parse(EMBEDDED).expect("assets/limits.toml is valid (checked by the tests)")
    })
}

/// Parses a limits file and checks it: every entry with a known citation
/// key, a finite value, and the orderings and ranges the code relies on.
pub fn parse(text: &str) -> Result<Limits, LimitsError> {
    let limits: Limits = toml::from_str(text)?;
    let (p, pelvis, spine, pattern) = (
        &limits.protocol,
        &limits.pelvis,
        &limits.spine,
        &limits.pattern,
    );
    let ordered = [
        (
            "protocol.upright_deg < protocol.lying_deg",
            p.upright_deg < p.lying_deg,
        ),
        (
            "pelvis.band_bottom_torso < pelvis.band_top_torso",
            pelvis.band_bottom_torso < pelvis.band_top_torso,
        ),
        (
            "spine.bottom_torso < spine.top_torso",
            spine.bottom_torso < spine.top_torso,
        ),
        (
            "spine.buttock_band_low < spine.buttock_band_high < spine.thoracic_band_low < spine.thoracic_band_high",
            spine.buttock_band_low < spine.buttock_band_high
                && spine.buttock_band_high < spine.thoracic_band_low
                && spine.thoracic_band_low < spine.thoracic_band_high,
        ),
        (
            "0 < spine.step_torso < spine.top_torso - spine.bottom_torso",
            spine.step_torso > 0.0 && spine.step_torso < spine.top_torso - spine.bottom_torso,
        ),
        (
            "0 < pelvis.landmark_min_spacing_torso < pelvis.landmark_max_spacing_torso",
            pelvis.landmark_min_spacing_torso > 0.0
                && pelvis.landmark_min_spacing_torso < pelvis.landmark_max_spacing_torso,
        ),
        (
            "pelvis.landmark_min_tilt_deg < 0 < pelvis.landmark_max_tilt_deg",
            pelvis.landmark_min_tilt_deg < 0.0 && pelvis.landmark_max_tilt_deg > 0.0,
        ),
        (
            "pattern.posterior_below_deg < pattern.anterior_above_deg",
            pattern.posterior_below_deg < pattern.anterior_above_deg,
        ),
        (
            "pattern.in_reach_probability < pattern.call_probability",
            pattern.in_reach_probability < pattern.call_probability,
        ),
    ];
    if limits.compare.max_scale_ratio <= 1.0 {
        return Err(LimitsError::Check(
            "compare.max_scale_ratio must be above 1".to_string(),
        ));
    }
    if let Some((rule, _)) = ordered.iter().find(|(_, holds)| !holds) {
        return Err(LimitsError::Check(format!("limits out of order: {rule}")));
    }
    let shares = [
        ("keypoint.min_visibility", limits.keypoint.min_visibility),
        ("keypoint.min_presence", limits.keypoint.min_presence),
        ("person.min_pose_presence", limits.person.min_pose_presence),
        (
            "person.prominent_min_score_share",
            limits.person.prominent_min_score_share,
        ),
        ("mask.person_probability", limits.mask.person_probability),
        ("view.min_lateral_score", limits.view.min_lateral_score),
        ("pelvis.min_level_share", pelvis.min_level_share),
        ("pelvis.min_span_share", pelvis.min_span_share),
        ("pelvis.marker_min_saturation", pelvis.marker_min_saturation),
        ("pelvis.marker_min_value", pelvis.marker_min_value),
        (
            "pelvis.marker_min_visible_span",
            pelvis.marker_min_visible_span,
        ),
        (
            "pelvis.marker_max_fleck_share",
            pelvis.marker_max_fleck_share,
        ),
        (
            "pelvis.marker_min_visible_share",
            pelvis.marker_min_visible_share,
        ),
        (
            "pelvis.marker_max_surround_share",
            pelvis.marker_max_surround_share,
        ),
        ("neck.c7_level", limits.neck.c7_level),
        ("spine.min_level_share", spine.min_level_share),
        ("pattern.call_probability", pattern.call_probability),
        ("pattern.in_reach_probability", pattern.in_reach_probability),
    ];
    if let Some((name, _)) = shares.iter().find(|(_, v)| !(0.0..=1.0).contains(v)) {
        return Err(LimitsError::Check(format!(
            "{name} must lie between 0 and 1"
        )));
    }
    Ok(limits)
}

/// Why a limits file was refused: not the TOML the tables describe (a
/// missing citation or provenance among them), or values the code cannot
/// rely on.
#[derive(Debug, thiserror::Error)]
pub enum LimitsError {
    #[error(transparent)]
    Toml(#[from] toml::de::Error),
    #[error("{0}")]
    Check(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Walks the file as plain TOML: every table that holds a number must
    /// carry a non-empty `cite` list of keys that references.toml defines,
    /// and say how it was `set`.
    fn check_every_number_is_cited(path: &str, value: &toml::Value) -> Result<(), String> {
        match value {
            toml::Value::Table(table) => {
                let has_numbers = table
                    .values()
                    .any(|v| matches!(v, toml::Value::Float(_) | toml::Value::Integer(_)));
                if has_numbers {
                    let cite: Vec<String> = table
                        .get("cite")
                        .and_then(toml::Value::as_array)
                        .map(|keys| {
                            keys.iter()
                                .map(|k| k.as_str().unwrap_or_default().to_string())
                                .collect()
                        })
                        .unwrap_or_default();
                    let set = table.get("set").and_then(toml::Value::as_str).unwrap_or("");
                    check_provenance(&cite, set).map_err(|e| format!("{path}: {e}"))?;
                }
                table.iter().try_for_each(|(key, inner)| {
                    let inner_path = if path.is_empty() {
                        key.clone()
                    } else {
                        format!("{path}.{key}")
                    };
                    check_every_number_is_cited(&inner_path, inner)
                })
            }
            toml::Value::Array(items) => items.iter().enumerate().try_for_each(|(i, item)| {
                check_every_number_is_cited(&format!("{path}[{i}]"), item)
            }),
            _ => Ok(()),
        }
    }

    #[test]
    fn every_number_in_the_file_cites_a_known_work() {
        let table: toml::Value = toml::from_str(EMBEDDED).unwrap();
        check_every_number_is_cited("", &table).unwrap();
        // The walk itself catches a missing and an unknown key.
        let bad: toml::Value = toml::from_str("[a.b]\nvalue = 1.0\nset = \"x\"").unwrap();
        assert!(
            check_every_number_is_cited("", &bad)
                .unwrap_err()
                .contains("a.b")
        );
        let bad: toml::Value =
            toml::from_str("[a.b]\nvalue = 1.0\nset = \"x\"\ncite = [\"Nobody1900\"]").unwrap();
        assert!(
            check_every_number_is_cited("", &bad)
                .unwrap_err()
                .contains("Nobody1900")
        );
    }

    #[test]
    fn the_embedded_file_loads_with_every_limit_checked() {
        let limits = parse(EMBEDDED).unwrap();
        assert_eq!(limits.confidence_floor(), 0.25);
        assert_eq!(
            limits.benchmark_p90_deg(MeasurementId::HipExtension),
            Some(4.3)
        );
        assert_eq!(limits.benchmark_p90_deg(MeasurementId::PelvicTilt), None);
        // The two knees: one name, an error of each protocol's own.
        assert_eq!(
            limits.benchmark_p90_deg(MeasurementId::ThomasKneeFlexion),
            Some(6.2)
        );
        assert_eq!(
            limits.benchmark_p90_deg(MeasurementId::StandingKneeFlexion),
            Some(4.8)
        );
    }

    #[test]
    fn a_bad_entry_is_refused_at_load() {
        let unknown_key =
            EMBEDDED.replacen("cite = [\"Cosoli2026\"]", "cite = [\"Cosoli2062\"]", 1);
        assert!(
            parse(&unknown_key)
                .unwrap_err()
                .to_string()
                .contains("Cosoli2062")
        );
        let no_set = EMBEDDED.replacen(
            "set = \"The side-view score",
            "how = \"The side-view score",
            1,
        );
        assert!(parse(&no_set).is_err());
        let swapped = EMBEDDED.replacen("value = 35.0", "value = 65.0", 1);
        assert!(
            parse(&swapped)
                .unwrap_err()
                .to_string()
                .contains("upright_deg")
        );
        let out_of_range = EMBEDDED.replacen(
            "value = 0.25\nunit = \"share of the way",
            "value = 1.25\nunit = \"share of the way",
            1,
        );
        assert!(
            parse(&out_of_range)
                .unwrap_err()
                .to_string()
                .contains("c7_level")
        );
        // A bare number where an entry belongs, and an entry without its unit.
        let start = EMBEDDED.find("[neck.c7_level]").unwrap();
        let end = start + EMBEDDED[start..].find("\n\n").unwrap();
        let bare = format!(
            "{}[neck]\nc7_level = 0.25{}",
            &EMBEDDED[..start],
            &EMBEDDED[end..]
        );
        let error = parse(&bare).unwrap_err().to_string();
        assert!(
            error.contains("c7_level: a number needs its entry"),
            "{error}"
        );
        // A benchmark error is read back with its protocol's help.
        let wrong_protocol = EMBEDDED.replacen(
            "protocol = \"thomas_test\"\nmeasurement = \"hip_extension\"",
            "protocol = \"standing\"\nmeasurement = \"hip_extension\"",
            1,
        );
        assert_ne!(wrong_protocol, EMBEDDED);
        let error = parse(&wrong_protocol).unwrap_err().to_string();
        assert!(
            error.contains("hip_extension is not a measurement of standing"),
            "{error}"
        );
        let no_unit = EMBEDDED.replacen(
            "unit = \"share of the way from the shoulder keypoint up to the ear\"",
            "unit = \" \"",
            1,
        );
        let error = parse(&no_unit).unwrap_err().to_string();
        assert!(
            error.contains("c7_level: an entry needs its `unit`"),
            "{error}"
        );
    }
}
