//! The published JSON Schemas of sagitta's machine-readable outputs,
//! generated from the serde types that write them (so they cannot disagree),
//! and committed under `schema/` for other programs (`sagitta schema NAME`
//! prints one; `tests/it/schema.rs` checks the committed files are current).

use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema};

use super::Registry;
use super::jsonl::Record;
use crate::recommend::Catalog;
use crate::schema::{
    Analysis, COMPARE_SCHEMA_VERSION, Comparison, SCHEMA_VERSION, VISIT_SCHEMA_VERSION, Visit,
};

/// A document sagitta publishes a schema for.
pub struct Published {
    /// The name `sagitta schema NAME` takes; the committed file is
    /// `schema/<name>.schema.json`.
    pub name: &'static str,
    /// What the document is, in a line (the help of `sagitta schema`).
    pub about: &'static str,
    /// The `schema_version` the documents it describes carry, if they carry one.
    pub version: Option<&'static str>,
    generate: fn() -> Schema,
}

/// Every published schema: adding a document is one line here.
pub const PUBLISHED: &[Published] = &[
    Published {
        name: "analysis",
        about: "the analysis document of one photo (`analyze --format json`; several photos give an array of them)",
        version: Some(SCHEMA_VERSION),
        generate: schema_of::<Analysis>,
    },
    Published {
        name: "jsonl",
        about: "one record of `analyze --format jsonl`: an analysis, an error or the closing summary",
        version: Some(SCHEMA_VERSION),
        generate: schema_of::<Record<'static>>,
    },
    Published {
        name: "compare",
        about: "the compare document (`compare --format json`): changes, asymmetry, what was not compared",
        version: Some(COMPARE_SCHEMA_VERSION),
        generate: schema_of::<Comparison>,
    },
    Published {
        name: "visit",
        about: "the visit document (`visit --format json`): the photos of one client on one date, their findings, one routine",
        version: Some(VISIT_SCHEMA_VERSION),
        generate: schema_of::<Visit>,
    },
    Published {
        name: "catalog",
        about: "the exercises sagitta can recommend (`catalog --format json`)",
        version: None,
        generate: schema_of::<Catalog>,
    },
    Published {
        name: "measurements",
        about: "the measurement registry (`measurements --format json`): definitions, signs, CSV columns",
        version: None,
        generate: schema_of::<Registry>,
    },
];

impl Published {
    /// The schema, as the committed file holds it.
    pub fn json(&self) -> serde_json::Value {
        let mut schema = (self.generate)();
        if let Some(version) = self.version {
            let description = schema
                .get("description")
                .and_then(|d| d.as_str())
                .map(|d| format!("{d}\n\n"))
                .unwrap_or_default();
            schema.insert(
                "description".to_string(),
                format!("{description}Documents of schema_version {version}.").into(),
            );
        }
        schema.to_value()
    }

    /// The schema of that name.
    pub fn named(name: &str) -> Option<&'static Published> {
        PUBLISHED.iter().find(|published| published.name == name)
    }
}

/// The draft 2020-12 schema of what sagitta writes (serialisation: a field
/// written always is required, one skipped when empty is not).
fn schema_of<T: JsonSchema>() -> Schema {
    SchemaSettings::draft2020_12()
        .for_serialize()
        .into_generator()
        .into_root_schema_for::<T>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_published_schema_has_a_unique_name_and_generates() {
        for (i, published) in PUBLISHED.iter().enumerate() {
            assert!(PUBLISHED[..i].iter().all(|p| p.name != published.name));
            let schema = published.json();
            assert_eq!(
                schema["$schema"],
                "https://json-schema.org/draft/2020-12/schema"
            );
            assert!(Published::named(published.name).is_some());
        }
    }
}
