//! ID token signatures, checked by the host's Web Crypto (`crypto.subtle.verify`) rather than
//! by RSA and elliptic-curve code in the wasm (about 40 KB of the Worker's gzipped size, whose
//! budget is 1 MB). `jsonwebtoken` still parses the header and the provider's key set; this
//! module decides which algorithms are accepted, checks that the key suits the algorithm, and
//! hands the host a key holding only its public members.
//!
//! Accepted are the algorithms OpenID providers sign ID tokens with: RS256 (which every provider
//! must support, and Google uses), RS384, RS512, PS256, PS384, PS512 and ES256. Never a shared
//! secret (HS*), never `none`.

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk};
use jsonwebtoken::Algorithm;
use serde_json::json;

/// An accepted signature algorithm, as Web Crypto names its parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JwsAlgorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-`bits` (RS256, RS384, RS512).
    RsaPkcs1 {
        /// 256, 384 or 512.
        bits: u16,
    },
    /// RSASSA-PSS with SHA-`bits` and a salt as long as the hash (PS256, PS384, PS512).
    RsaPss {
        /// 256, 384 or 512.
        bits: u16,
    },
    /// ECDSA on P-256 with SHA-256 (ES256); the signature is `r || s`, as JWS and Web Crypto
    /// both write it.
    EcdsaP256,
}

impl JwsAlgorithm {
    /// The accepted algorithm `alg` names, if it is one.
    pub fn accepted(alg: Algorithm) -> Option<JwsAlgorithm> {
        Some(match alg {
            Algorithm::RS256 => JwsAlgorithm::RsaPkcs1 { bits: 256 },
            Algorithm::RS384 => JwsAlgorithm::RsaPkcs1 { bits: 384 },
            Algorithm::RS512 => JwsAlgorithm::RsaPkcs1 { bits: 512 },
            Algorithm::PS256 => JwsAlgorithm::RsaPss { bits: 256 },
            Algorithm::PS384 => JwsAlgorithm::RsaPss { bits: 384 },
            Algorithm::PS512 => JwsAlgorithm::RsaPss { bits: 512 },
            Algorithm::ES256 => JwsAlgorithm::EcdsaP256,
            _ => return None,
        })
    }

    /// Web Crypto's name of the hash (`SHA-256`…).
    pub fn hash(self) -> &'static str {
        match self {
            JwsAlgorithm::RsaPkcs1 { bits: 384 } | JwsAlgorithm::RsaPss { bits: 384 } => "SHA-384",
            JwsAlgorithm::RsaPkcs1 { bits: 512 } | JwsAlgorithm::RsaPss { bits: 512 } => "SHA-512",
            _ => "SHA-256",
        }
    }
}

/// The key `jwk` with only its public members (`kty` and `n`, `e` or `crv`, `x`, `y`), as JSON
/// for the host to import, once it is clear the key may verify `algorithm`: an RSA key for RS*
/// and PS*, a P-256 key for ES256, and the key's own `alg`, when it names one, the token's.
pub fn public_jwk(jwk: &Jwk, alg: Algorithm, algorithm: JwsAlgorithm) -> Result<String, String> {
    // jsonwebtoken names a key's algorithm with its own enum, whose variants are spelled alike.
    if jwk.common.key_algorithm.is_some_and(|own| format!("{own:?}") != format!("{alg:?}")) {
        return Err(format!("the provider's key is for another algorithm than the token's {alg:?}"));
    }
    let key = match (&jwk.algorithm, algorithm) {
        (AlgorithmParameters::RSA(rsa), JwsAlgorithm::RsaPkcs1 { .. } | JwsAlgorithm::RsaPss { .. }) => {
            json!({"kty": "RSA", "n": rsa.n, "e": rsa.e})
        }
        (AlgorithmParameters::EllipticCurve(ec), JwsAlgorithm::EcdsaP256) if ec.curve == EllipticCurve::P256 => {
            json!({"kty": "EC", "crv": "P-256", "x": ec.x, "y": ec.y})
        }
        _ => return Err(format!("the provider's key cannot verify a {alg:?} signature")),
    };
    Ok(key.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwk(value: serde_json::Value) -> Jwk {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn only_signature_algorithms_of_openid_providers_are_accepted() {
        for alg in [Algorithm::HS256, Algorithm::HS384, Algorithm::HS512, Algorithm::ES384, Algorithm::EdDSA] {
            assert_eq!(JwsAlgorithm::accepted(alg), None, "{alg:?}");
        }
        assert_eq!(JwsAlgorithm::accepted(Algorithm::PS384), Some(JwsAlgorithm::RsaPss { bits: 384 }));
        assert_eq!(JwsAlgorithm::RsaPkcs1 { bits: 512 }.hash(), "SHA-512");
        assert_eq!(JwsAlgorithm::EcdsaP256.hash(), "SHA-256");
    }

    #[test]
    fn the_key_must_suit_the_algorithm_and_only_its_public_members_travel() {
        let rsa = jwk(
            json!({"kty": "RSA", "n": "sXch", "e": "AQAB", "kid": "k1", "use": "sig", "alg": "RS256", "d": "secret"}),
        );
        let rs256 = JwsAlgorithm::RsaPkcs1 { bits: 256 };
        assert_eq!(public_jwk(&rsa, Algorithm::RS256, rs256).unwrap(), r#"{"kty":"RSA","n":"sXch","e":"AQAB"}"#);
        assert!(public_jwk(&rsa, Algorithm::PS256, JwsAlgorithm::RsaPss { bits: 256 })
            .unwrap_err()
            .contains("another algorithm"));
        assert!(public_jwk(&rsa, Algorithm::ES256, JwsAlgorithm::EcdsaP256).is_err());
        let ec = jwk(json!({"kty": "EC", "crv": "P-256", "x": "AAAA", "y": "BBBB"}));
        assert_eq!(
            public_jwk(&ec, Algorithm::ES256, JwsAlgorithm::EcdsaP256).unwrap(),
            r#"{"kty":"EC","crv":"P-256","x":"AAAA","y":"BBBB"}"#
        );
        assert!(public_jwk(&ec, Algorithm::RS256, rs256).unwrap_err().contains("cannot verify"));
        let p384 = jwk(json!({"kty": "EC", "crv": "P-384", "x": "AAAA", "y": "BBBB"}));
        assert!(public_jwk(&p384, Algorithm::ES256, JwsAlgorithm::EcdsaP256).is_err());
    }
}
