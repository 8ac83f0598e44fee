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
    App(GitHubApp),
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
    let Some(app_id) = get("GITHUB_APP_ID") else {
        let read = get("GITHUB_SERVICE_TOKEN").map(Secret::new);
        if read.is_none() {
            errors.push(missing(
                "GITHUB_SERVICE_TOKEN",
                "create a GitHub App (docs/SETUP.md) and set GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY, or a fine-grained token with read access to the repository's contents and set it with `npx wrangler secret put GITHUB_SERVICE_TOKEN`",
            ));
        }
        return read.map(|read| GitHubAuth::Tokens { read, write: get("GITHUB_WRITE_TOKEN").map(Secret::new) });
    };
    if !app_id.chars().all(|c| c.is_ascii_alphanumeric()) {
        errors.push(ConfigError {
            setting: "GITHUB_APP_ID",
            problem: format!("`{app_id}` is not an app id; use the number (or client id) on the app's settings page"),
        });
        return None;
    }
    let private_key = match get("GITHUB_APP_PRIVATE_KEY") {
        None => {
            errors.push(missing(
                "GITHUB_APP_PRIVATE_KEY",
                "generate a private key on the app's settings page and set the .pem file's content with `npx wrangler secret put GITHUB_APP_PRIVATE_KEY < key.pem`",
            ));
            None
        }
        Some(pem) => match parse_private_key(&pem) {
            Ok(key) => Some(key),
            Err(problem) => {
                errors.push(ConfigError { setting: "GITHUB_APP_PRIVATE_KEY", problem });
                None
            }
        },
    };
    let installation_id = match get("GITHUB_APP_INSTALLATION_ID") {
        None => None,
        Some(value) => match value.parse::<u64>() {
            Ok(id) if id > 0 => Some(id),
            _ => {
                errors.push(ConfigError {
                    setting: "GITHUB_APP_INSTALLATION_ID",
                    problem: format!("`{value}` must be the installation's number (from its settings URL), or unset to find it from the repository"),
                });
                None
            }
        },
    };
    if get("GITHUB_SERVICE_TOKEN").is_some() || get("GITHUB_WRITE_TOKEN").is_some() {
        errors.push(ConfigError {
            setting: "GITHUB_SERVICE_TOKEN",
            problem: "is set together with GITHUB_APP_ID; the app's installation tokens are used for reads and writes, so delete the token (`npx wrangler secret delete GITHUB_SERVICE_TOKEN`) and revoke it on GitHub".into(),
        });
    }
    Some(GitHubAuth::App(GitHubApp { app_id, private_key: private_key?, installation_id }))
}

/// The app's key as GitHub hands it out (PKCS#1 PEM, `BEGIN RSA PRIVATE KEY`) or as PKCS#8 PEM
/// (`BEGIN PRIVATE KEY`), made PKCS#8 DER, the form Web Crypto imports. A key pasted on one line
/// with `\n` escapes is accepted too.
pub fn parse_private_key(pem: &str) -> Result<AppKey, String> {
    use pkcs8::der::{Decode, Encode};
    let pem = pem.trim().replace("\\n", "\n");
    let (label, der) = pkcs8::der::pem::decode_vec(pem.as_bytes()).map_err(|e| {
        format!(
            "is not a PEM private key ({e}); paste the whole .pem file GitHub downloaded, from -----BEGIN to -----END"
        )
    })?;
    let not_rsa = || "is not an RSA private key; GitHub Apps sign with the RSA key GitHub generates".to_string();
    match label {
        "RSA PRIVATE KEY" => {
            pkcs1::RsaPrivateKey::from_der(&der).map_err(|_| not_rsa())?;
            let info = pkcs8::PrivateKeyInfo::new(pkcs1::ALGORITHM_ID, &der);
            info.to_der().map(AppKey).map_err(|e| format!("could not be converted to PKCS#8 ({e})"))
        }
        "PRIVATE KEY" => {
            let info = pkcs8::PrivateKeyInfo::from_der(&der).map_err(|_| not_rsa())?;
            if info.algorithm.oid != pkcs1::ALGORITHM_OID {
                return Err(not_rsa());
            }
            Ok(AppKey(der))
        }
        other => Err(format!("holds a `{other}`, not a private key; use the .pem file from the app's settings page")),
    }
}
