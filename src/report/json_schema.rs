//! The published JSON Schemas of sagitta's machine-readable outputs,
//! generated from the serde types that write them (so they cannot disagree),
//! and committed under `schema/` for other programs (`sagitta schema NAME`
//! prints one; `tests/schema.rs` checks the committed files are current).

use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema};

use super::Registry;
use super::jsonl::Record;
use crate::recommend::Catalog;
use crate::schema::{Analysis, SCHEMA_VERSION};

/// A document sagitta publishes a schema for.
pub struct Published {
    /// The name `sagitta schema NAME` takes; the committed file is
    /// `schema/<name>.schema.json`.
    pub name: &'static str,
    /// What the document is, in a line (the help of `sagitta schema`).
    pub about: &'static str,
    generate: fn() -> Schema,
}

/// Every published schema: adding a document is one line here.
pub const PUBLISHED: &[Published] = &[
    Published {
        name: "analysis",
        about: "the analysis document of one photo (`analyze --format json`; several photos give an array of them)",
        generate: schema_of::<Analysis>,
    },
    Published {
        name: "jsonl",
        about: "one record of `analyze --format jsonl`: an analysis, an error or the closing summary",
        generate: schema_of::<Record<'static>>,
    },
    Published {
        name: "catalog",
        about: "the exercises sagitta can recommend (`catalog --format json`)",
        generate: schema_of::<Catalog>,
    },
    Published {
        name: "measurements",
        about: "the measurement registry (`measurements --format json`): definitions, signs, CSV columns",
        generate: schema_of::<Registry>,
    },
];

impl Published {
    /// The schema, as the committed file holds it.
    pub fn json(&self) -> serde_json::Value {
        (self.generate)().to_value()
    }

    /// The schema of that name.
    pub fn named(name: &str) -> Option<&'static Published> {
        PUBLISHED.iter().find(|published| published.name == name)
    }
}

/// The draft 2020-12 schema of what sagitta writes (serialisation: a field
/// written always is required, one skipped when empty is not), with the
/// schema version it describes.
fn schema_of<T: JsonSchema>() -> Schema {
    let mut schema = SchemaSettings::draft2020_12()
        .for_serialize()
        .into_generator()
        .into_root_schema_for::<T>();
    let description = schema
        .get("description")
        .and_then(|d| d.as_str())
        .map(|d| format!("{d}\n\n"))
        .unwrap_or_default();
    schema.insert(
        "description".to_string(),
        format!("{description}sagitta schema_version {SCHEMA_VERSION}.").into(),
    );
    schema
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
