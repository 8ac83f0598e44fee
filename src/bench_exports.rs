//! The core's hot paths exported to JavaScript, so `scripts/bench-cpu.mjs` can time them in V8:
//! the Workers runtime hides timers from the Worker itself, and wasm's speed differs from native.
//! Built only with the `wasm-bench` feature; never part of the deployed Worker.

use crate::catalog::snapshot::Snapshot;
use crate::catalog::Catalog;
use crate::package::{self, InstalledManifest};
use wasm_bindgen::prelude::*;

/// Builds the catalog of a zipball (the cold path of a new commit); returns the skills found.
#[wasm_bindgen]
pub fn bench_build_catalog(zip: Vec<u8>) -> Result<usize, JsError> {
    let mut snapshot = Snapshot::from_zip(zip)?;
    Ok(Catalog::build("0000000000000000000000000000000000000000", &mut snapshot, None)?.skills.len())
}

/// Serializes a catalog as KV stores it; returns the JSON.
#[wasm_bindgen]
pub fn bench_catalog_json(zip: Vec<u8>) -> Result<String, JsError> {
    let mut snapshot = Snapshot::from_zip(zip)?;
    Ok(serde_json::to_string(&Catalog::build("0000000000000000000000000000000000000000", &mut snapshot, None)?)?)
}

/// Decodes a stored catalog (a warm call in a fresh isolate); returns the skills found.
#[wasm_bindgen]
pub fn bench_decode_catalog(json: &str) -> Result<usize, JsError> {
    Ok(serde_json::from_str::<Catalog>(json)?.skills.len())
}

/// Opens a zipball and packages the skill in `folder`; returns the package's size.
#[wasm_bindgen]
pub fn bench_package(zip: Vec<u8>, folder: &str, name: &str) -> Result<usize, JsError> {
    let mut snapshot = Snapshot::from_zip(zip)?;
    let manifest = InstalledManifest {
        name: name.into(),
        version: Some("1.0.0".into()),
        description: String::new(),
        group: String::new(),
    };
    Ok(package::build(&mut snapshot, folder, &manifest)?.bytes.len())
}

thread_local! {
    static PREVIOUS: std::cell::RefCell<Option<Catalog>> = const { std::cell::RefCell::new(None) };
}

/// Decodes `json` and keeps it as the previous commit's catalog for `bench_incremental_build`.
#[wasm_bindgen]
pub fn bench_set_previous(json: &str) -> Result<(), JsError> {
    let catalog: Catalog = serde_json::from_str(json)?;
    PREVIOUS.with(|previous| *previous.borrow_mut() = Some(catalog));
    Ok(())
}

/// Builds the catalog of a zipball reusing the previous catalog's unchanged skills (the cold
/// path of a new commit in steady state); returns the skills found.
#[wasm_bindgen]
pub fn bench_incremental_build(zip: Vec<u8>) -> Result<usize, JsError> {
    let mut snapshot = Snapshot::from_zip(zip)?;
    PREVIOUS.with(|previous| {
        let catalog =
            Catalog::build("1111111111111111111111111111111111111111", &mut snapshot, previous.borrow().as_ref())?;
        Ok(catalog.skills.len())
    })
}

/// Opens a zipball and indexes its files, reading nothing; returns the file count.
#[wasm_bindgen]
pub fn bench_open(zip: Vec<u8>) -> Result<usize, JsError> {
    Ok(Snapshot::from_zip(zip)?.paths().count())
}
