//! The works sagitta cites, from `assets/references.toml` (embedded). Code,
//! rules, the catalogue and every output cite them by key (`Preece2008`);
//! this module turns keys back into full citations, for the HTML report's
//! reference list and the text output.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::schema::{Analysis, Cites};

const EMBEDDED: &str = include_str!("../assets/references.toml");

/// One cited work.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reference {
    /// Stable key, e.g. `Preece2008`.
    pub key: String,
    /// Authors, year, title, where published.
    pub citation: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doi: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// What sagitta takes from it.
    pub used: String,
}

impl Reference {
    /// The citation with its DOI or address, as printed in a reference list.
    pub fn full(&self) -> String {
        match (&self.doi, &self.url) {
            (Some(doi), _) => format!("{} doi:{doi}", self.citation),
            (None, Some(url)) => format!("{} {url}", self.citation),
            (None, None) => self.citation.clone(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    reference: Vec<Reference>,
}

/// Every reference, in the order of the file. The embedded file is checked
/// by the tests, so a parse failure here is a build defect.
pub fn all() -> &'static [Reference] {
    static ALL: OnceLock<Vec<Reference>> = OnceLock::new();
    ALL.get_or_init(|| {
        toml::from_str::<File>(EMBEDDED)
            .expect("assets/references.toml is valid (checked by the tests)")
            .reference
    })
}

pub fn get(key: &str) -> Option<&'static Reference> {
    all().iter().find(|r| r.key == key)
}

/// The keys of the works an analysis cites, in the order of the references
/// file: those named in the texts its parts cite in ([`Cites`]).
pub fn cited_by(analysis: &Analysis) -> Vec<String> {
    let mut texts = Vec::new();
    analysis.citing_texts(&mut texts);
    all()
        .iter()
        .filter(|r| texts.iter().any(|text| contains_word(text, &r.key)))
        .map(|r| r.key.clone())
        .collect()
}

/// The references whose key occurs in `text` as a whole word, in the order
/// of the references file.
pub fn cited_in(text: &str) -> Vec<&'static Reference> {
    all()
        .iter()
        .filter(|r| contains_word(text, &r.key))
        .collect()
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn contains_word(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        !before.is_some_and(is_word_char) && !after.is_some_and(is_word_char)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_parses_with_unique_complete_entries() {
        let all = all();
        assert!(all.len() >= 15);
        let mut keys: Vec<&str> = all.iter().map(|r| r.key.as_str()).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), all.len(), "keys are unique");
        for r in all {
            assert!(
                !r.citation.trim().is_empty() && !r.used.trim().is_empty(),
                "{}",
                r.key
            );
            assert!(r.key.chars().all(is_word_char), "{}", r.key);
        }
    }

    /// The saved documents (written when the whole document was scanned
    /// for keys) list the works their citing texts name, no more, no less.
    #[test]
    fn a_document_cites_what_its_parts_name() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
        let mut checked = 0;
        for dir in ["fixtures", "golden"] {
            for entry in std::fs::read_dir(root.join(dir)).unwrap() {
                let path = entry.unwrap().path();
                let Ok(text) = std::fs::read_to_string(&path) else {
                    continue;
                };
                let Ok(analysis) = serde_json::from_str::<Analysis>(&text) else {
                    continue;
                };
                assert_eq!(cited_by(&analysis), analysis.references, "{path:?}");
                checked += 1;
            }
        }
        assert!(checked >= 2, "{checked} documents");
    }

    #[test]
    fn keys_are_found_as_whole_words_only() {
        let found = cited_in("Preece2008: 0-23 deg; see also Stenum2021x and [Lau2009]");
        let keys: Vec<&str> = found.iter().map(|r| r.key.as_str()).collect();
        assert_eq!(keys, ["Preece2008", "Lau2009"]);
        assert!(
            get("Vigotsky2016")
                .unwrap()
                .full()
                .contains("doi:10.7717/peerj.2325")
        );
    }
}
