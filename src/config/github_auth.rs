//! How the connector authenticates to GitHub: a personal (or fine-grained) token, or a GitHub
//! App installation. An app is what an organization should use: its installation tokens live an
//! hour, belong to no person, and its commits are attributed to the app.

use super::{missing, ConfigError, Secret};
use std::fmt;

/// The credentials the connector reads and writes the repository with.
#[derive(Debug, Clone)]
pub enum GitHubAuth {
    /// `GITHUB_SERVICE_TOKEN` for reads, and `GITHUB_WRITE_TOKEN` for writes when set.
    Tokens {
        /// Reads (and writes when `write` is unset).
        read: Secret,
        /// Writes, when a separate token is used for them.
        write: Option<Secret>,
    },
    /// A GitHub App (`GITHUB_APP_ID`, `GITHUB_APP_PRIVATE_KEY`).
    App {
        /// The app: reads, and writes unless `writer` is set.
        app: GitHubApp,
        /// A second app for writes only (`GITHUB_WRITE_APP_*`), so that the app every call
        /// uses can be read-only.
        writer: Option<GitHubApp>,
    },
}

/// A GitHub App the connector authenticates as.
#[derive(Debug, Clone)]
pub struct GitHubApp {
    /// The app's id (or client id), the `iss` of its JSON Web Tokens.
    pub app_id: String,
    /// The app's private key, PKCS#8 DER, for RS256 through the host's Web Crypto.
    pub private_key: AppKey,
    /// The installation on the repository's account; found from the repository when unset.
    pub installation_id: Option<u64>,
}

/// An app's private key. Like [`Secret`], it never prints.
#[derive(Clone, PartialEq, Eq)]
pub struct AppKey(Vec<u8>);

impl AppKey {
    /// The PKCS#8 DER bytes, for the one place that signs with them.
    pub fn pkcs8_der(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for AppKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AppKey(<redacted>)")
    }
}

/// Reads the GitHub credentials: an app when `GITHUB_APP_ID` is set, else the tokens.
pub(super) fn load(get: &impl Fn(&str) -> Option<String>, errors: &mut Vec<ConfigError>) -> Option<GitHubAuth> {
    let Some(app_id) = get(READ_APP.id) else {
        let read = get("GITHUB_SERVICE_TOKEN").map(Secret::new);
        if read.is_none() {
            errors.push(missing(
                "GITHUB_SERVICE_TOKEN",
                "create a GitHub App (docs/SETUP.md) and set GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY, or a fine-grained token with read access to the repository's contents and set it with `npx wrangler secret put GITHUB_SERVICE_TOKEN`",
            ));
        }
        if get(WRITE_APP.id).is_some() {
            errors.push(ConfigError {
                setting: WRITE_APP.id,
                problem: "is set without GITHUB_APP_ID; a separate write app goes with a read app (set GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY too), or use GITHUB_WRITE_TOKEN beside the service token".into(),
            });
        }
        return read.map(|read| GitHubAuth::Tokens { read, write: get("GITHUB_WRITE_TOKEN").map(Secret::new) });
    };
    let app = load_app(get, errors, &READ_APP, app_id);
    let writer = get(WRITE_APP.id).and_then(|id| load_app(get, errors, &WRITE_APP, id));
    if get("GITHUB_SERVICE_TOKEN").is_some() || get("GITHUB_WRITE_TOKEN").is_some() {
        errors.push(ConfigError {
            setting: "GITHUB_SERVICE_TOKEN",
            problem: "is set together with GITHUB_APP_ID; the app's installation tokens are used for reads and writes, so delete the token (`npx wrangler secret delete GITHUB_SERVICE_TOKEN`) and revoke it on GitHub".into(),
        });
    }
    Some(GitHubAuth::App { app: app?, writer })
}

/// The names of one app's three settings.
struct AppSettings {
    id: &'static str,
    key: &'static str,
    installation: &'static str,
}

const READ_APP: AppSettings =
    AppSettings { id: "GITHUB_APP_ID", key: "GITHUB_APP_PRIVATE_KEY", installation: "GITHUB_APP_INSTALLATION_ID" };
const WRITE_APP: AppSettings = AppSettings {
    id: "GITHUB_WRITE_APP_ID",
    key: "GITHUB_WRITE_APP_PRIVATE_KEY",
    installation: "GITHUB_WRITE_APP_INSTALLATION_ID",
};

fn load_app(
    get: &impl Fn(&str) -> Option<String>,
    errors: &mut Vec<ConfigError>,
    names: &AppSettings,
    app_id: String,
) -> Option<GitHubApp> {
    if !app_id.chars().all(|c| c.is_ascii_alphanumeric()) {
        errors.push(ConfigError {
            setting: names.id,
            problem: format!("`{app_id}` is not an app id; use the number (or client id) on the app's settings page"),
        });
        return None;
    }
    let private_key = match get(names.key) {
        None => {
            errors.push(missing(
                names.key,
                &format!(
                    "generate a private key on the app's settings page and set the .pem file's content with `npx wrangler secret put {} < key.pem`",
                    names.key
                ),
            ));
            None
        }
        Some(pem) => {
            parse_private_key(&pem).map_err(|problem| errors.push(ConfigError { setting: names.key, problem })).ok()
        }
    };
    let installation_id = match get(names.installation) {
        None => None,
        Some(value) => match value.parse::<u64>() {
            Ok(id) if id > 0 => Some(id),
            _ => {
                errors.push(ConfigError {
                    setting: names.installation,
                    problem: format!("`{value}` must be the installation's number (from its settings URL), or unset to find it from the repository"),
                });
                None
            }
        },
    };
    Some(GitHubApp { app_id, private_key: private_key?, installation_id })
}

/// The app's key as GitHub hands it out (PKCS#1 PEM, `BEGIN RSA PRIVATE KEY`) or as PKCS#8 PEM
/// (`BEGIN PRIVATE KEY`), made PKCS#8 DER, the form Web Crypto imports. A key pasted on one line
/// with `\n` escapes is accepted too.
///
/// Written by hand rather than with the `pem`, `der`, `pkcs1` and `pkcs8` crates: the job is to
/// find one base64 block and put a fixed 26-byte header in front of it, and those crates cost
/// about 25 KB of the Worker's 1 MB (gzipped) budget. The key's content is checked by Web Crypto
/// when it is imported (the home page reports a refusal).
pub fn parse_private_key(pem: &str) -> Result<AppKey, String> {
    let pem = pem.trim().replace("\\n", "\n");
    let (label, der) = pem_block(&pem).ok_or_else(|| {
        "is not a PEM private key; paste the whole .pem file GitHub downloaded, from -----BEGIN to -----END".to_string()
    })?;
    let not_rsa = || "is not an RSA private key; GitHub Apps sign with the RSA key GitHub generates".to_string();
    match label {
        "RSA PRIVATE KEY" => {
            let key = der_item(&der, SEQUENCE).filter(|(_, rest)| rest.is_empty()).ok_or_else(not_rsa)?.0;
            // RSAPrivateKey starts with its version (0) and modulus.
            let (_, fields) = der_item(key, INTEGER).filter(|(version, _)| *version == [0]).ok_or_else(not_rsa)?;
            der_item(fields, INTEGER).ok_or_else(not_rsa)?;
            Ok(AppKey(pkcs8_of_pkcs1(&der)))
        }
        "PRIVATE KEY" => {
            let info = der_item(&der, SEQUENCE).filter(|(_, rest)| rest.is_empty()).ok_or_else(not_rsa)?.0;
            let (_, fields) = der_item(info, INTEGER).filter(|(version, _)| *version == [0]).ok_or_else(not_rsa)?;
            let (algorithm, _) = der_item(fields, SEQUENCE).ok_or_else(not_rsa)?;
            let (oid, _) = der_item(algorithm, OBJECT_ID).ok_or_else(not_rsa)?;
            if oid != RSA_ENCRYPTION_OID {
                return Err(not_rsa());
            }
            Ok(AppKey(der))
        }
        "ENCRYPTED PRIVATE KEY" => {
            Err("is encrypted; export it without a passphrase (`openssl pkcs8 -topk8 -nocrypt`)".into())
        }
        other => Err(format!("holds a `{other}`, not a private key; use the .pem file from the app's settings page")),
    }
}

const INTEGER: u8 = 0x02;
const OCTET_STRING: u8 = 0x04;
const OBJECT_ID: u8 = 0x06;
const SEQUENCE: u8 = 0x30;
/// 1.2.840.113549.1.1.1, rsaEncryption.
const RSA_ENCRYPTION_OID: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];

/// The label and decoded content of the first PEM block (RFC 7468), or `None`. Header lines
/// (`Proc-Type:`, a legacy encrypted key) make it unreadable, as they should.
fn pem_block(pem: &str) -> Option<(&str, Vec<u8>)> {
    use base64::Engine;
    let begin = pem.find("-----BEGIN ")?;
    let rest = &pem[begin + "-----BEGIN ".len()..];
    let (label, rest) = rest.split_once("-----")?;
    let (body, _) = rest.split_once(&format!("-----END {label}-----"))?;
    let body: String = body.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    Some((label, base64::engine::general_purpose::STANDARD.decode(body).ok()?))
}

/// One DER item of type `tag` at the start of `der`: its content and what follows it.
fn der_item(der: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (&found, rest) = der.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (length, rest) = match first {
        0..=0x7f => (usize::from(first), rest),
        0x81..=0x83 => {
            let octets = usize::from(first & 0x7f);
            let (bytes, rest) = (rest.get(..octets)?, &rest[octets..]);
            (bytes.iter().fold(0usize, |n, b| n << 8 | usize::from(*b)), rest)
        }
        _ => return None,
    };
    (found == tag && rest.len() >= length).then(|| rest.split_at(length))
}

/// A DER length.
fn der_length(length: usize, out: &mut Vec<u8>) {
    let octets: Vec<u8> = length.to_be_bytes().into_iter().skip_while(|b| *b == 0).collect();
    match length {
        0..=0x7f => out.push(length as u8),
        _ => {
            out.push(0x80 | octets.len() as u8);
            out.extend(octets);
        }
    }
}

/// PrivateKeyInfo { version 0, rsaEncryption with NULL parameters, the PKCS#1 key } (RFC 5208).
fn pkcs8_of_pkcs1(pkcs1: &[u8]) -> Vec<u8> {
    let mut inner = vec![INTEGER, 1, 0, SEQUENCE, 13, OBJECT_ID, 9];
    inner.extend(RSA_ENCRYPTION_OID);
    inner.extend([0x05, 0x00, OCTET_STRING]);
    der_length(pkcs1.len(), &mut inner);
    inner.extend(pkcs1);
    let mut info = vec![SEQUENCE];
    der_length(inner.len(), &mut info);
    info.extend(inner);
    info
}
