//! The signature checks `jsonwebtoken` runs on ID tokens, over the RustCrypto `rsa` and `p256`
//! crates.
//!
//! jsonwebtoken's own RustCrypto provider also carries P-384 and Ed25519 and everything needed
//! to sign, 132 KB of the Worker's gzipped wasm (its budget is 1 MB) for what the connector
//! never does. This provider only verifies, and only the algorithms OpenID providers sign ID
//! tokens with: RS256 (which every provider must support, and Google uses), RS384, RS512, PS256,
//! PS384, PS512 and ES256. jsonwebtoken offers no feature that selects algorithms, hence this
//! small glue; the cryptography itself is the crates'.

use jsonwebtoken::crypto::{CryptoProvider, JwtSigner, JwtVerifier, KeyUtils};
use jsonwebtoken::errors::{ErrorKind, Result};
use jsonwebtoken::signature::{self, Verifier};
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey, DecodingKeyKind, EncodingKey};
use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::{BigUint, Pkcs1v15Sign, Pss, RsaPublicKey};
use sha2::{Digest, Sha256, Sha384, Sha512};

/// The algorithms an ID token may be signed with.
pub const ACCEPTED: [Algorithm; 7] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
];

static PROVIDER: CryptoProvider = CryptoProvider {
    signer_factory: no_signer,
    verifier_factory: verifier,
    // Only asked when building JWKs from private keys or computing thumbprints: never here.
    key_utils: KeyUtils::new_unimplemented(),
};

/// Makes this provider jsonwebtoken's, once per isolate; later calls change nothing.
pub fn install() {
    // Err means a provider is installed already: this one, by an earlier call.
    let _ = PROVIDER.install_default();
}

fn no_signer(_: &Algorithm, _: &EncodingKey) -> Result<Box<dyn JwtSigner>> {
    Err(ErrorKind::InvalidAlgorithm.into())
}

fn verifier(algorithm: &Algorithm, key: &DecodingKey) -> Result<Box<dyn JwtVerifier>> {
    match algorithm {
        Algorithm::ES256 if key.family() == AlgorithmFamily::Ec => {
            let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(key.try_get_as_bytes()?)
                .map_err(|_| ErrorKind::InvalidEcdsaKey)?;
            Ok(Box::new(Es256(key)))
        }
        _ if ACCEPTED.contains(algorithm) && key.family() == AlgorithmFamily::Rsa => {
            let key = match key.kind() {
                DecodingKeyKind::RsaModulusExponent { n, e } => {
                    RsaPublicKey::new(BigUint::from_bytes_be(n), BigUint::from_bytes_be(e))
                }
                DecodingKeyKind::SecretOrDer(der) => RsaPublicKey::from_pkcs1_der(der).map_err(rsa::Error::from),
            }
            .map_err(|e| ErrorKind::InvalidRsaKey(e.to_string()))?;
            Ok(Box::new(Rsa { algorithm: *algorithm, key }))
        }
        _ => Err(ErrorKind::InvalidAlgorithm.into()),
    }
}

/// RSASSA-PKCS1-v1_5 and RSASSA-PSS with SHA-2.
struct Rsa {
    algorithm: Algorithm,
    key: RsaPublicKey,
}

impl Verifier<Vec<u8>> for Rsa {
    fn verify(&self, message: &[u8], signature: &Vec<u8>) -> std::result::Result<(), signature::Error> {
        let key = &self.key;
        match self.algorithm {
            Algorithm::RS256 => key.verify(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(message), signature),
            Algorithm::RS384 => key.verify(Pkcs1v15Sign::new::<Sha384>(), &Sha384::digest(message), signature),
            Algorithm::RS512 => key.verify(Pkcs1v15Sign::new::<Sha512>(), &Sha512::digest(message), signature),
            Algorithm::PS256 => key.verify(Pss::new::<Sha256>(), &Sha256::digest(message), signature),
            Algorithm::PS384 => key.verify(Pss::new::<Sha384>(), &Sha384::digest(message), signature),
            Algorithm::PS512 => key.verify(Pss::new::<Sha512>(), &Sha512::digest(message), signature),
            _ => Err(rsa::Error::InvalidArguments),
        }
        .map_err(signature::Error::from_source)
    }
}

impl JwtVerifier for Rsa {
    fn algorithm(&self) -> Algorithm {
        self.algorithm
    }
}

/// ECDSA on P-256 with SHA-256.
struct Es256(p256::ecdsa::VerifyingKey);

impl Verifier<Vec<u8>> for Es256 {
    fn verify(&self, message: &[u8], signature: &Vec<u8>) -> std::result::Result<(), signature::Error> {
        let signature = p256::ecdsa::Signature::from_slice(signature)?;
        self.0.verify(message, &signature)
    }
}

impl JwtVerifier for Es256 {
    fn algorithm(&self) -> Algorithm {
        Algorithm::ES256
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    use jsonwebtoken::{decode, Validation};
    use rsa::traits::PublicKeyParts;

    #[derive(Debug, serde::Deserialize)]
    struct Claims {
        sub: String,
    }

    /// A token whose signature over `header.payload` is made by `sign`.
    fn token(alg: &str, sign: impl Fn(&[u8]) -> Vec<u8>) -> String {
        let header = URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"{alg}","typ":"JWT"}}"#));
        let payload = URL_SAFE_NO_PAD.encode(r#"{"sub":"ann","exp":4102444800}"#);
        let signed = format!("{header}.{payload}");
        format!("{signed}.{}", URL_SAFE_NO_PAD.encode(sign(signed.as_bytes())))
    }

    fn check(token: &str, key: &DecodingKey, algorithm: Algorithm) -> jsonwebtoken::errors::Result<Claims> {
        install();
        let mut validation = Validation::new(algorithm);
        validation.required_spec_claims.clear();
        decode::<Claims>(token, key, &validation).map(|data| data.claims)
    }

    fn tampered(token: &str) -> String {
        let (signed, signature) = token.rsplit_once('.').unwrap();
        let (header, _) = signed.split_once('.').unwrap();
        format!("{header}.{}.{signature}", URL_SAFE_NO_PAD.encode(r#"{"sub":"eve","exp":4102444800}"#))
    }

    #[test]
    fn rsa_tokens_verify_with_pkcs1_and_pss_and_fail_when_altered() {
        let mut rng = rand_core::OsRng;
        let private = rsa::RsaPrivateKey::new(&mut rng, 1024).unwrap();
        let public = private.to_public_key();
        let key = DecodingKey::from_rsa_raw_components(&public.n().to_bytes_be(), &public.e().to_bytes_be());

        let rs256 = token("RS256", |m| private.sign(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(m)).unwrap());
        assert_eq!(check(&rs256, &key, Algorithm::RS256).unwrap().sub, "ann");
        assert!(check(&tampered(&rs256), &key, Algorithm::RS256).is_err());

        let ps256 = token("PS256", |m| {
            private.sign_with_rng(&mut rand_core::OsRng, Pss::new::<Sha256>(), &Sha256::digest(m)).unwrap()
        });
        assert_eq!(check(&ps256, &key, Algorithm::PS256).unwrap().sub, "ann");
        assert!(check(&tampered(&ps256), &key, Algorithm::PS256).is_err());
    }

    #[test]
    fn es256_tokens_verify_and_fail_when_altered() {
        use p256::ecdsa::signature::Signer;
        let signing = p256::ecdsa::SigningKey::random(&mut rand_core::OsRng);
        let point = signing.verifying_key().to_encoded_point(false);
        let key = DecodingKey::from_ec_components(
            &URL_SAFE_NO_PAD.encode(point.x().unwrap()),
            &URL_SAFE_NO_PAD.encode(point.y().unwrap()),
        )
        .unwrap();
        let es256 = token("ES256", |m| {
            let signature: p256::ecdsa::Signature = signing.sign(m);
            signature.to_bytes().to_vec()
        });
        assert_eq!(check(&es256, &key, Algorithm::ES256).unwrap().sub, "ann");
        assert!(check(&tampered(&es256), &key, Algorithm::ES256).is_err());
    }

    #[test]
    fn other_algorithms_are_refused() {
        let secret = DecodingKey::from_secret(b"shared");
        let hs256 = token("HS256", |_| vec![0; 32]);
        assert!(check(&hs256, &secret, Algorithm::HS256).is_err(), "a shared secret never verifies an ID token");
        for algorithm in [Algorithm::HS256, Algorithm::ES384, Algorithm::EdDSA] {
            assert!(!ACCEPTED.contains(&algorithm));
            assert!(verifier(&algorithm, &secret).is_err());
        }
    }
}
