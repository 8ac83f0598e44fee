//! Tests of [`super`].

/// Finding 8 (the cache): the isolate's cache of metadata documents grew without bound.
#[test]
fn security_8_the_metadata_document_cache_is_bounded() {
    let mut documents = HashMap::new();
    for n in 0..(MAX_CACHED_METADATA_DOCUMENTS as u64 * 2) {
        let client = Client {
            id: format!("https://app.example/clients/{n}.json"),
            name: None,
            redirect_uris: vec!["https://app.example/cb".into()],
            auth: AuthMethod::None,
            issued_at: None,
        };
        remember(&mut documents, client, 0, 1_000 + n);
    }
    assert_eq!(documents.len(), MAX_CACHED_METADATA_DOCUMENTS);
    assert!(
        documents.contains_key(&format!("https://app.example/clients/{}.json", MAX_CACHED_METADATA_DOCUMENTS * 2 - 1))
    );
    assert!(!documents.contains_key("https://app.example/clients/0.json"), "the first to go stale made room");
}
use super::metadata_document::{cache_seconds, remember};
use super::*;
use http::HeaderValue;

#[test]
fn redirect_uris_must_be_https_or_loopback() {
    for good in ["https://claude.ai/api/mcp/auth_callback", "http://127.0.0.1:3000/cb", "http://localhost/cb"] {
        assert!(check_redirect_uri(good).is_ok(), "{good}");
    }
    for bad in ["http://evil.example/cb", "javascript:alert(1)", "https://x.example/cb#frag", "not a url"] {
        assert!(check_redirect_uri(bad).is_err(), "{bad}");
    }
}

#[test]
fn hostnames_outside_ascii_are_refused_and_their_punycode_accepted() {
    // URLs are parsed with url's ASCII-only IDNA back end (see Cargo.toml).
    let error = check_redirect_uri("https://bücher.example/cb").unwrap_err();
    assert!(error.contains("is not a URL"), "{error}");
    assert!(check_redirect_uri("https://xn--bcher-kva.example/cb").is_ok());
}

#[test]
fn cache_control_decides_how_long_a_document_is_kept() {
    let header = |v: &'static str| Some(HeaderValue::from_static(v));
    assert_eq!(cache_seconds(header("public, max-age=600").as_ref()), Some(600));
    assert_eq!(cache_seconds(header("max-age=999999").as_ref()), Some(MAX_METADATA_DOCUMENT_CACHE_SECONDS));
    assert_eq!(cache_seconds(header("no-store").as_ref()), None);
    assert_eq!(cache_seconds(None), Some(DEFAULT_METADATA_DOCUMENT_CACHE_SECONDS));
}
