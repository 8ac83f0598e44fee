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

/// Encodes a catalog as KV stores it (postcard); returns the bytes.
#[wasm_bindgen]
pub fn bench_encode_catalog(zip: Vec<u8>) -> Result<Vec<u8>, JsError> {
    let mut snapshot = Snapshot::from_zip(zip)?;
    let catalog = Catalog::build("0000000000000000000000000000000000000000", &mut snapshot, None)?;
    Ok(postcard::to_stdvec(&catalog)?)
}

/// Decodes a stored catalog (a warm call in a fresh isolate); returns the skills found.
#[wasm_bindgen]
pub fn bench_decode_catalog(bytes: &[u8]) -> Result<usize, JsError> {
    Ok(postcard::from_bytes::<Catalog>(bytes)?.skills.len())
}

/// Opens a zipball and packages the skill in `folder`; returns the package's size.
#[wasm_bindgen]
pub fn bench_package(zip: Vec<u8>, folder: &str, name: &str) -> Result<usize, JsError> {
    let snapshot = Snapshot::from_zip(zip)?;
    let manifest = InstalledManifest {
        name: name.into(),
        version: Some("1.0.0".into()),
        description: String::new(),
        group: String::new(),
    };
    Ok(package::build(&snapshot, folder, &manifest)?.len())
}

thread_local! {
    static PREVIOUS: std::cell::RefCell<Option<Catalog>> = const { std::cell::RefCell::new(None) };
}

/// Decodes a stored catalog and keeps it as the previous commit's for `bench_incremental_build`.
#[wasm_bindgen]
pub fn bench_set_previous(bytes: &[u8]) -> Result<(), JsError> {
    let catalog: Catalog = postcard::from_bytes(bytes)?;
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

/// Encodes the catalog set by `bench_set_previous` again (the write half of a new commit's
/// build); returns the encoded size.
#[wasm_bindgen]
pub fn bench_encode_previous() -> Result<usize, JsError> {
    PREVIOUS.with(|previous| match previous.borrow().as_ref() {
        Some(catalog) => Ok(postcard::to_stdvec(catalog)?.len()),
        None => Err(JsError::new("call bench_set_previous first")),
    })
}

/// Hashes `bytes` with SHA-256 (the package digest fetch_skill reports); returns the first byte.
#[wasm_bindgen]
pub fn bench_sha256(bytes: &[u8]) -> u8 {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)[0]
}

/// Checks an access token `rounds` times (signature, claims, expiry and audience; the grant read
/// is a Durable Object request, not CPU here); returns how many passed.
#[wasm_bindgen]
pub fn bench_check_token(rounds: u32) -> u32 {
    use crate::keys::{Keys, Purpose};
    use crate::oauth::bearer::{AccessClaims, ACCESS_PREFIX};
    use crate::oauth::signed;
    let keys = Keys::new(crate::config::SigningKey([9; 32]), Some(crate::config::SigningKey([8; 32])));
    let claims = AccessClaims {
        shard: "u-0123456789abcdef0123456789abcdef".into(),
        grant: "00112233445566778899aabbccddeeff".into(),
        client: "spd1.registration.signature".into(),
        audience: "https://skills.example.com/mcp".into(),
        expires: u64::MAX,
    };
    let token = signed::seal(&keys, Purpose::AccessToken, ACCESS_PREFIX, &claims);
    (0..rounds)
        .filter(|_| {
            signed::open::<AccessClaims>(&keys, Purpose::AccessToken, ACCESS_PREFIX, &token)
                .is_ok_and(|c| crate::oauth::audience_matches("https://skills.example.com", &c.audience))
        })
        .count() as u32
}

/// TEMP: reads every SKILL.md; returns the count.
#[wasm_bindgen]
pub fn bench_read_skill_files(zip: Vec<u8>) -> Result<usize, JsError> {
    let mut snapshot = Snapshot::from_zip(zip)?;
    let paths: Vec<String> = snapshot.paths().filter(|p| p.ends_with("/SKILL.md")).map(String::from).collect();
    for path in &paths {
        snapshot.read(path)?;
    }
    Ok(paths.len())
}

/// TEMP: parses every SKILL.md (read beforehand); returns the count.
#[wasm_bindgen]
pub fn bench_parse_skill_files(zip: Vec<u8>) -> Result<usize, JsError> {
    let mut snapshot = Snapshot::from_zip(zip)?;
    let paths: Vec<String> = snapshot.paths().filter(|p| p.ends_with("/SKILL.md")).map(String::from).collect();
    let files: Vec<Vec<u8>> = paths.iter().map(|p| snapshot.read(p)).collect::<Result<_, _>>()?;
    let start = js_sys::Date::now();
    for file in &files {
        let _ = crate::catalog::skill_md::parse(file);
    }
    Ok((js_sys::Date::now() - start) as usize)
}
