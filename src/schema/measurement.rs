//! A measurement: the value the photo supports, or the reason it declined
//! to give one, never both. The JSON keeps one flat object for either
//! ([`Wire`], the published `Measurement` schema); the conversion between
//! the two is the only place that knows the flat form.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One measurement of a photo.
// A photo has a few dozen measurements, kept in a map: boxing the value
// would save nothing worth an allocation each.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(into = "Wire", try_from = "Wire")]
pub enum Measurement {
    /// A value (an angle, a ratio, or a call among classes).
    Made(Reading),
    /// The photo cannot support the measurement.
    Declined(Decline),
}

/// A measurement the photo could not support.
#[derive(Debug, Clone, PartialEq)]
pub struct Decline {
    /// How it would have been obtained.
    pub method: String,
    /// Why it was declined.
    pub reason: String,
}

/// A measured value, with what it rests on and what the rules made of it.
/// The fields are those of the JSON (`docs/output.md`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Reading {
    /// The angle in degrees, signed as `measure::conventions` documents.
    pub value_deg: Option<f64>,
    /// A non-angle value (ratio, fraction), with its `unit`.
    pub value: Option<f64>,
    pub unit: Option<String>,
    /// How it was obtained (`keypoints`, `landmarks`, `markers`, `estimate`...).
    pub method: String,
    /// 0..1, from keypoint visibilities and view quality.
    pub confidence: Option<f64>,
    /// Plus-or-minus uncertainty of `value_deg`.
    pub uncertainty_deg: Option<f64>,
    /// The class the rules gave the value; `None` where they give none.
    pub classification: Option<String>,
    /// Short citation of the range or cut-off used for `classification`.
    pub reference: Option<String>,
    /// Set when the confidence is under the floor: shown, never classified.
    pub unreliable: Option<String>,
    /// Cut-offs the value lies within its uncertainty of.
    pub borderline: Vec<String>,
    /// The photo points (pixels) the value was computed from.
    pub points_px: Vec<[f64; 2]>,
    /// Plus-or-minus uncertainty of `value`, in its `unit`.
    pub uncertainty: Option<f64>,
    /// For a call among classes: the probability of each class.
    pub probabilities: BTreeMap<String, f64>,
    /// For an `uncertain` call: what would settle it.
    pub to_settle: Option<String>,
    /// The body outline the value was read from (photo pixels).
    pub outline_px: Vec<[f64; 2]>,
}

impl Measurement {
    /// A measurement declined for `reason`.
    pub fn declined(method: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Declined(Decline {
            method: method.into(),
            reason: reason.into(),
        })
    }

    /// The value, unless declined.
    pub fn reading(&self) -> Option<&Reading> {
        match self {
            Self::Made(reading) => Some(reading),
            Self::Declined(_) => None,
        }
    }

    /// The value to change, unless declined.
    pub fn reading_mut(&mut self) -> Option<&mut Reading> {
        match self {
            Self::Made(reading) => Some(reading),
            Self::Declined(_) => None,
        }
    }

    /// Why it was declined; `None` for a value.
    pub fn declined_reason(&self) -> Option<&str> {
        match self {
            Self::Made(_) => None,
            Self::Declined(decline) => Some(&decline.reason),
        }
    }

    pub fn is_declined(&self) -> bool {
        matches!(self, Self::Declined(_))
    }

    /// How it was (or would have been) obtained.
    pub fn method(&self) -> &str {
        match self {
            Self::Made(reading) => &reading.method,
            Self::Declined(decline) => &decline.method,
        }
    }

    /// A value the rules may read: made, and not marked unreliable.
    pub fn usable(&self) -> Option<&Reading> {
        self.reading().filter(|r| r.unreliable.is_none())
    }

    /// Why the rules cannot read it (declined or unreliable); `None` when
    /// they can.
    pub fn unusable_reason(&self) -> Option<&str> {
        match self {
            Self::Made(reading) => reading.unreliable.as_deref(),
            Self::Declined(decline) => Some(&decline.reason),
        }
    }

    pub fn value_deg(&self) -> Option<f64> {
        self.reading().and_then(|r| r.value_deg)
    }

    pub fn value(&self) -> Option<f64> {
        self.reading().and_then(|r| r.value)
    }

    pub fn uncertainty_deg(&self) -> Option<f64> {
        self.reading().and_then(|r| r.uncertainty_deg)
    }

    pub fn uncertainty(&self) -> Option<f64> {
        self.reading().and_then(|r| r.uncertainty)
    }

    pub fn confidence(&self) -> Option<f64> {
        self.reading().and_then(|r| r.confidence)
    }

    pub fn classification(&self) -> Option<&str> {
        self.reading().and_then(|r| r.classification.as_deref())
    }

    pub fn reference(&self) -> Option<&str> {
        self.reading().and_then(|r| r.reference.as_deref())
    }

    pub fn unit(&self) -> Option<&str> {
        self.reading().and_then(|r| r.unit.as_deref())
    }

    /// Why a value is shown but not acted on; `None` for a declined one.
    pub fn unreliable(&self) -> Option<&str> {
        self.reading().and_then(|r| r.unreliable.as_deref())
    }

    /// The cut-offs it lies within its uncertainty of; none when declined.
    pub fn borderline(&self) -> &[String] {
        self.reading().map_or(&[], |r| &r.borderline)
    }

    /// The probability of each class of a call; none when declined.
    pub fn probabilities(&self) -> &BTreeMap<String, f64> {
        static NONE: BTreeMap<String, f64> = BTreeMap::new();
        self.reading().map_or(&NONE, |r| &r.probabilities)
    }

    /// What would settle an uncertain call.
    pub fn to_settle(&self) -> Option<&str> {
        self.reading().and_then(|r| r.to_settle.as_deref())
    }

    /// The photo points it was computed from; none when declined.
    pub fn points_px(&self) -> &[[f64; 2]] {
        self.reading().map_or(&[], |r| &r.points_px)
    }

    /// The outline it was read from; none when declined.
    pub fn outline_px(&self) -> &[[f64; 2]] {
        self.reading().map_or(&[], |r| &r.outline_px)
    }
}

impl JsonSchema for Measurement {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        Wire::schema_name()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        Wire::json_schema(generator)
    }
}

/// A flat measurement that holds a value and a decline.
#[derive(Debug, thiserror::Error)]
#[error("holds a value and a decline: a measurement is one or the other")]
pub struct ValueAndDecline;

impl Wire {
    /// Whether it holds any part of a value.
    fn has_value(&self) -> bool {
        self.value_deg.is_some()
            || self.value.is_some()
            || self.unit.is_some()
            || self.confidence.is_some()
            || self.uncertainty_deg.is_some()
            || self.classification.is_some()
            || self.reference.is_some()
            || self.unreliable.is_some()
            || !self.borderline.is_empty()
            || !self.points_px.is_empty()
            || self.uncertainty.is_some()
            || !self.probabilities.is_empty()
            || self.to_settle.is_some()
            || !self.outline_px.is_empty()
    }
}

/// Whether a measurement as the JSON gives it holds both a value and a
/// decline (for naming the measurement in a document's message).
pub(crate) fn holds_value_and_decline(value: &serde_json::Value) -> bool {
    serde_json::from_value::<Wire>(value.clone())
        .is_ok_and(|wire| wire.declined.is_some() && wire.has_value())
}

impl TryFrom<Wire> for Measurement {
    type Error = ValueAndDecline;

    fn try_from(wire: Wire) -> Result<Self, ValueAndDecline> {
        if let Some(reason) = wire.declined.clone() {
            if wire.has_value() {
                return Err(ValueAndDecline);
            }
            return Ok(Self::declined(wire.method, reason));
        }
        let Wire {
            value_deg,
            value,
            unit,
            method,
            confidence,
            uncertainty_deg,
            classification,
            reference,
            declined: _,
            unreliable,
            borderline,
            points_px,
            uncertainty,
            probabilities,
            to_settle,
            outline_px,
        } = wire;
        Ok(Self::Made(Reading {
            value_deg,
            value,
            unit,
            method,
            confidence,
            uncertainty_deg,
            classification,
            reference,
            unreliable,
            borderline,
            points_px,
            uncertainty,
            probabilities,
            to_settle,
            outline_px,
        }))
    }
}

impl From<Measurement> for Wire {
    fn from(measurement: Measurement) -> Self {
        match measurement {
            Measurement::Declined(Decline { method, reason }) => Wire {
                method,
                declined: Some(reason),
                ..Wire::default()
            },
            Measurement::Made(Reading {
                value_deg,
                value,
                unit,
                method,
                confidence,
                uncertainty_deg,
                classification,
                reference,
                unreliable,
                borderline,
                points_px,
                uncertainty,
                probabilities,
                to_settle,
                outline_px,
            }) => Wire {
                value_deg,
                value,
                unit,
                method,
                confidence,
                uncertainty_deg,
                classification,
                reference,
                declined: None,
                unreliable,
                borderline,
                points_px,
                uncertainty,
                probabilities,
                to_settle,
                outline_px,
            },
        }
    }
}

/// One measurement, or the reason it was declined.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[schemars(rename = "Measurement")]
pub(crate) struct Wire {
    /// The angle in degrees, signed as `measure::conventions` documents.
    #[serde(skip_serializing_if = "Option::is_none")]
    value_deg: Option<f64>,
    /// A non-angle value (ratio, fraction), with its `unit`.
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    unit: Option<String>,
    /// How it was obtained (`keypoints`, `landmarks`, `markers`, `estimate`...).
    method: String,
    /// 0..1, from keypoint visibilities and view quality.
    #[serde(skip_serializing_if = "Option::is_none")]
    confidence: Option<f64>,
    /// Plus-or-minus uncertainty of `value_deg`, where it can be stated.
    #[serde(skip_serializing_if = "Option::is_none")]
    uncertainty_deg: Option<f64>,
    /// The value against a published reference range or cut-off; null where
    /// the references give none.
    classification: Option<String>,
    /// Short citation of the range or cut-off used for `classification`.
    #[serde(skip_serializing_if = "Option::is_none")]
    reference: Option<String>,
    /// Set instead of a value when the photo cannot support the measurement.
    #[serde(skip_serializing_if = "Option::is_none")]
    declined: Option<String>,
    /// Set when the value is shown but its confidence is under the floor: it
    /// is never classified and no rule reads it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    unreliable: Option<String>,
    /// Cut-offs (finding ids, or classes) the value lies within its
    /// uncertainty of: `classification` is then `borderline`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    borderline: Vec<String>,
    /// The photo points (pixels) the value was computed from, in the order
    /// the conventions table gives: two for a segment against the vertical or
    /// horizontal, three (end, vertex, end) for a joint angle.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    points_px: Vec<[f64; 2]>,
    /// Plus-or-minus uncertainty of `value`, in its `unit`, where it can be stated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    uncertainty: Option<f64>,
    /// For a call among classes (`pelvic_pattern`, `posture_type`): the
    /// probability of each class, summing to 1.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    probabilities: BTreeMap<String, f64>,
    /// For an `uncertain` call: what would settle it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    to_settle: Option<String>,
    /// The body outline the value was read from (photo pixels, top to
    /// bottom), for the annotated image.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    outline_px: Vec<[f64; 2]>,
}
