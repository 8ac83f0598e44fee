//! What the runtime's `crypto.subtle.verify` does for ID tokens, with the RustCrypto crates:
//! the test kit's stand-in for the host's Web Crypto.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rsa::{BigUint, Pkcs1v15Sign, Pss, RsaPublicKey};
use sha2::{Digest, Sha256, Sha384, Sha512};
use skillport_connector::oauth::id_token_crypto::JwsAlgorithm;

/// Whether `signature` is `algorithm`'s signature of `message` under the public JWK; `Err` when
/// the key cannot be imported, as `importKey` rejects.
pub fn verify(algorithm: JwsAlgorithm, public_jwk: &str, message: &[u8], signature: &[u8]) -> Result<bool, String> {
    let jwk: serde_json::Value = serde_json::from_str(public_jwk).map_err(|e| e.to_string())?;
    let member = |name: &str| -> Result<Vec<u8>, String> {
        let text = jwk[name].as_str().ok_or_else(|| format!("the key has no {name}"))?;
        URL_SAFE_NO_PAD.decode(text).map_err(|e| e.to_string())
    };
    if algorithm == JwsAlgorithm::EcdsaP256 {
        use p256::ecdsa::signature::Verifier;
        if jwk["kty"] != "EC" || jwk["crv"] != "P-256" {
            return Err("not a P-256 key".into());
        }
        let point = p256::EncodedPoint::from_affine_coordinates(
            member("x")?.as_slice().into(),
            member("y")?.as_slice().into(),
            false,
        );
        let key = p256::ecdsa::VerifyingKey::from_encoded_point(&point).map_err(|e| e.to_string())?;
        let Ok(signature) = p256::ecdsa::Signature::from_slice(signature) else { return Ok(false) };
        return Ok(key.verify(message, &signature).is_ok());
    }
    if jwk["kty"] != "RSA" {
        return Err("not an RSA key".into());
    }
    let key = RsaPublicKey::new(BigUint::from_bytes_be(&member("n")?), BigUint::from_bytes_be(&member("e")?))
        .map_err(|e| e.to_string())?;
    let verified = match algorithm {
        JwsAlgorithm::RsaPkcs1 { bits: 256 } => {
            key.verify(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(message), signature)
        }
        JwsAlgorithm::RsaPkcs1 { bits: 384 } => {
            key.verify(Pkcs1v15Sign::new::<Sha384>(), &Sha384::digest(message), signature)
        }
        JwsAlgorithm::RsaPkcs1 { .. } => key.verify(Pkcs1v15Sign::new::<Sha512>(), &Sha512::digest(message), signature),
        JwsAlgorithm::RsaPss { bits: 256 } => key.verify(Pss::new::<Sha256>(), &Sha256::digest(message), signature),
        JwsAlgorithm::RsaPss { bits: 384 } => key.verify(Pss::new::<Sha384>(), &Sha384::digest(message), signature),
        JwsAlgorithm::RsaPss { .. } => key.verify(Pss::new::<Sha512>(), &Sha512::digest(message), signature),
        JwsAlgorithm::EcdsaP256 => unreachable!("handled above"),
    };
    Ok(verified.is_ok())
}
