//! From findings to an exercise routine. The catalogue and the rules are
//! data (`assets/`); this module loads and checks them and applies them.

use serde::{Deserialize, Serialize};

/// The routine handed to the client, or the referral that replaces it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Routine {
    /// True when a warning sign means: see a professional, don't exercise.
    pub withheld: bool,
    /// Why the routine is withheld and whom to see; null otherwise.
    pub referral: Option<String>,
    pub total_minutes: f64,
    pub exercises: Vec<serde_json::Value>,
    pub phase_two: Option<serde_json::Value>,
}
