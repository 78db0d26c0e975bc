//! The measurement ids: one per measurement of each protocol, so that a
//! name both protocols use (`knee_flexion`) is two ids, told apart by the
//! document's protocol. The registry entry of each (definition, sign,
//! label) is `MeasurementId::spec`, in `measure::conventions`.

use serde::Serialize;

use super::ProtocolKind;

/// Declares [`MeasurementId`]: each id with its name in the document and
/// the protocol that reports it.
macro_rules! measurement_ids {
    ($($(#[$doc:meta])* $id:ident = $name:literal in $protocol:ident,)*) => {
        /// A measurement of one protocol. A name both protocols use
        /// (`knee_flexion`) is two ids, one per protocol: a document's
        /// measurement names are read back with its protocol's help
        /// ([`MeasurementId::from_name`]).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum MeasurementId {
            $($(#[$doc])* $id,)*
        }

        impl MeasurementId {
            /// Every id, in the registry's order.
            pub const ALL: &'static [MeasurementId] = &[$(MeasurementId::$id,)*];

            /// The key in the document's `measurements`.
            pub const fn name(self) -> &'static str {
                match self {
                    $(MeasurementId::$id => $name,)*
                }
            }

            /// The protocol that reports it.
            pub const fn protocol(self) -> ProtocolKind {
                match self {
                    $(MeasurementId::$id => ProtocolKind::$protocol,)*
                }
            }
        }
    };
}

measurement_ids! {
    TrunkInclination = "trunk_inclination" in Standing,
    StandingHipFlexion = "standing_hip_flexion" in Standing,
    /// The near knee, standing.
    StandingKneeFlexion = "knee_flexion" in Standing,
    /// The test knee, in the Thomas test.
    ThomasKneeFlexion = "knee_flexion" in ThomasTest,
    HeadForward = "head_forward" in Standing,
    CraniovertebralAngle = "craniovertebral_angle" in Standing,
    PelvicTilt = "pelvic_tilt" in Standing,
    PlumbEar = "plumb_ear" in Standing,
    PlumbShoulder = "plumb_shoulder" in Standing,
    PlumbHip = "plumb_hip" in Standing,
    PlumbKnee = "plumb_knee" in Standing,
    LumbarLordosisDepth = "lumbar_lordosis_depth" in Standing,
    LumbarLordosisAngle = "lumbar_lordosis_angle" in Standing,
    ThoracicKyphosisDepth = "thoracic_kyphosis_depth" in Standing,
    ThoracicKyphosisAngle = "thoracic_kyphosis_angle" in Standing,
    ButtockProminence = "buttock_prominence" in Standing,
    LowerAbdomenInclination = "lower_abdomen_inclination" in Standing,
    PelvicPattern = "pelvic_pattern" in Standing,
    PostureType = "posture_type" in Standing,
    HipExtension = "hip_extension" in ThomasTest,
    ContralateralHipFlexion = "contralateral_hip_flexion" in ThomasTest,
    TrunkTilt = "trunk_tilt" in ThomasTest,
}

impl MeasurementId {
    /// The id `name` has in a document of `protocol`; `None` for a name
    /// that protocol does not report.
    pub fn from_name(name: &str, protocol: ProtocolKind) -> Option<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|id| id.protocol() == protocol && id.name() == name)
    }
}

impl std::fmt::Display for MeasurementId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for MeasurementId {
    /// As its name in the document.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}
