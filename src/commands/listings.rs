//! The commands that print what sagitta knows, not what a photo shows:
//! `catalog` (the exercises), `schema` (a published JSON Schema) and
//! `measurements` (the measurement registry).

use std::io;
use std::path::PathBuf;

use sagitta::error::{EXIT_OK, Error, SetupError};
use sagitta::recommend::{self, Recommender};
use sagitta::report::{self, json_schema::Published};

use super::{DocumentFormat, RegistryFormat, output_error, print_json};

pub fn catalog(catalog: Option<PathBuf>, format: DocumentFormat) -> Result<u8, Error> {
    let recommender = Recommender::load(catalog.as_deref(), None).map_err(SetupError::from)?;
    let mut out = io::stdout().lock();
    match format {
        DocumentFormat::Json => print_json(recommender.catalog(), &mut out)?,
        DocumentFormat::Text => {
            recommend::write_catalog_text(recommender.catalog(), &mut out).map_err(output_error)?
        }
    }
    Ok(EXIT_OK)
}

pub fn schema(published: &Published) -> Result<u8, Error> {
    print_json(&published.json(), &mut io::stdout().lock())?;
    Ok(EXIT_OK)
}

pub fn measurements(format: RegistryFormat) -> Result<u8, Error> {
    let mut out = io::stdout().lock();
    match format {
        RegistryFormat::Json => report::write_measurements_json(&mut out),
        RegistryFormat::Text => report::write_measurements_text(&mut out),
        RegistryFormat::Markdown => report::write_measurements_markdown(&mut out),
    }
    .map_err(output_error)?;
    Ok(EXIT_OK)
}
