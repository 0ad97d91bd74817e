//! OIDC providers: an account's trust in a token issuer, with the client ids
//! (audiences) it accepts and the issuer's public keys, given inline as a JWKS so
//! that no test reaches the network. IAM's `CreateOpenIDConnectProvider` rules:
//! an `https://` URL of at most 255 characters, 1 to 100 client ids of 1 to 255
//! characters each.

use std::fmt;

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, JwkSet, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey};
use xrole_core::Placed;
use xrole_core::{AccountId, Partition, PrincipalArn};

use super::WorldError;

/// The algorithms STS verifies web identity tokens with.
pub const ACCEPTED_ALGORITHMS: [Algorithm; 5] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::ES256,
    Algorithm::ES384,
];

/// At most this many keys in a provider's JWKS: a token is tried against the key
/// its `kid` names, or the provider's only key of its algorithm.
const MAX_KEYS: usize = 100;

/// The largest RSA key accepted: issuers use 2048 to 4096 bits, and verifying
/// with a larger one costs every token much more.
const MAX_RSA_BITS: usize = 4096;

/// One public key of a provider's JWKS, ready to verify with.
#[derive(Clone)]
pub struct VerifyingKey {
    /// The key id (`kid`), if the key has one.
    pub kid: Option<String>,
    /// The algorithm the key declares (`alg`), if it does.
    pub algorithm: Option<Algorithm>,
    /// The key, ready to verify with.
    pub key: DecodingKey,
}

/// An IAM OIDC identity provider of one account.
#[derive(Clone)]
pub struct OidcProvider {
    account: AccountId,
    url: String,
    arn: PrincipalArn,
    client_ids: Vec<String>,
    jwks: JwkSet,
    keys: Vec<VerifyingKey>,
}

impl fmt::Debug for OidcProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OidcProvider")
            .field("arn", &self.arn.as_str())
            .field("client_ids", &self.client_ids)
            .field("keys", &self.keys.len())
            .finish()
    }
}

impl OidcProvider {
    /// The provider in `account` of the `aws` partition for the issuer at `url`
    /// (`https://token.actions.githubusercontent.com`), accepting tokens for
    /// `client_ids`, signed by one of the keys of `jwks`. Every problem is reported.
    pub fn new<S: Into<String>>(
        account: AccountId,
        url: &str,
        client_ids: impl IntoIterator<Item = S>,
        jwks: JwkSet,
    ) -> Result<Self, WorldError> {
        Self::in_partition(Partition::Aws, account, url, client_ids, jwks)
    }

    /// [`new`](Self::new) in another partition (`aws-cn`, `aws-us-gov`): its ARN is
    /// `arn:PARTITION:iam::ACCOUNT:oidc-provider/HOST/PATH`.
    pub fn in_partition<S: Into<String>>(
        partition: Partition,
        account: AccountId,
        url: &str,
        client_ids: impl IntoIterator<Item = S>,
        jwks: JwkSet,
    ) -> Result<Self, WorldError> {
        let mut problems = Vec::new();
        let host_path = url.strip_prefix("https://").unwrap_or_default();
        let host_path = host_path.strip_suffix('/').unwrap_or(host_path);
        let arn = PrincipalArn::oidc_provider(partition, account, host_path);
        let owner = format!("OIDC provider {url:?} of {account}");
        if host_path.is_empty()
            || url.len() > 255
            || host_path.contains(['?', '#', ' '])
            || host_path.starts_with('/')
        {
            problems.push(Placed::new(&owner, "the URL must be https://HOST[/PATH], at most 255 characters, without query or fragment"));
        } else if let Err(e) = &arn {
            problems.push(Placed::new(&owner, e));
        }
        let client_ids: Vec<String> = client_ids.into_iter().map(Into::into).collect();
        if client_ids.is_empty() || client_ids.len() > 100 {
            problems.push(Placed::new(
                &owner,
                format!(
                    "1 to 100 client ids (audiences) are needed, found {}",
                    client_ids.len()
                ),
            ));
        }
        for id in &client_ids {
            if id.is_empty() || id.chars().count() > 255 {
                problems.push(Placed::new(
                    &owner,
                    format!("a client id must be 1 to 255 characters, found {id:?}"),
                ));
            }
        }
        if jwks.keys.is_empty() || jwks.keys.len() > MAX_KEYS {
            problems.push(Placed::new(
                &owner,
                format!(
                    "its JWKS must hold 1 to {MAX_KEYS} public keys, found {}",
                    jwks.keys.len()
                ),
            ));
        }
        let mut keys = Vec::new();
        for (i, jwk) in jwks.keys.iter().enumerate().take(MAX_KEYS) {
            match verifying_key(jwk) {
                Ok(k) => keys.push(k),
                Err(e) => problems.push(Placed::new(&owner, format!("jwks.keys[{i}]: {e}"))),
            }
        }
        match arn {
            Ok(arn) if problems.is_empty() => Ok(Self {
                account,
                url: format!("https://{host_path}"),
                arn,
                client_ids,
                jwks,
                keys,
            }),
            _ => Err(super::problems(problems)),
        }
    }

    /// The account the provider belongs to.
    pub fn account(&self) -> AccountId {
        self.account
    }
    /// The issuer URL, `https://HOST/PATH`: tokens' `iss`.
    pub fn url(&self) -> &str {
        &self.url
    }
    /// The provider's ARN, `arn:PARTITION:iam::ACCOUNT:oidc-provider/HOST/PATH`: the
    /// `Federated` principal of trust policies.
    pub fn arn(&self) -> &PrincipalArn {
        &self.arn
    }
    /// The issuer as claim keys name it (`HOST/PATH`).
    pub fn issuer(&self) -> &str {
        self.arn.web_identity_issuer().unwrap_or_default()
    }
    /// The audiences accepted.
    pub fn client_ids(&self) -> &[String] {
        &self.client_ids
    }
    /// The issuer's public keys.
    pub fn jwks(&self) -> &JwkSet {
        &self.jwks
    }
    /// The issuer's public keys, ready to verify with.
    pub fn keys(&self) -> &[VerifyingKey] {
        &self.keys
    }
}

/// A JWK a token can be verified with: a public RSA or EC key.
fn verifying_key(jwk: &Jwk) -> Result<VerifyingKey, String> {
    let algorithm = match jwk.common.key_algorithm {
        Some(a) => Some(
            a.to_string()
                .parse::<Algorithm>()
                .map_err(|_| format!("key algorithm {a} cannot sign tokens"))?,
        ),
        None => None,
    };
    if matches!(
        algorithm,
        Some(Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512)
    ) || matches!(jwk.algorithm, AlgorithmParameters::OctetKey(_))
    {
        return Err("a symmetric key cannot be published in a JWKS".to_owned());
    }
    // Keys that can never verify a token STS accepts are refused here, not tried
    // against every token.
    if let Some(a) = algorithm
        && !ACCEPTED_ALGORITHMS.contains(&a)
    {
        return Err(format!(
            "key algorithm {a:?}: STS verifies RS256, RS384, RS512, ES256 and ES384 only"
        ));
    }
    if matches!(
        jwk.common.public_key_use,
        Some(PublicKeyUse::Encryption | PublicKeyUse::Other(_))
    ) {
        return Err("a key whose use is not sig never verifies a token".to_owned());
    }
    match &jwk.algorithm {
        AlgorithmParameters::RSA(rsa) => {
            // base64url: 6 bits a character.
            let bits = rsa.n.trim_end_matches('=').len() * 6;
            if bits > MAX_RSA_BITS + 8 {
                return Err(format!(
                    "an RSA key of about {bits} bits: keys of more than {MAX_RSA_BITS} bits are refused (each costs much to verify with)"
                ));
            }
        }
        AlgorithmParameters::EllipticCurve(ec)
            if !matches!(ec.curve, EllipticCurve::P256 | EllipticCurve::P384) =>
        {
            return Err(format!(
                "an EC key on {:?}: STS verifies ES256 (P-256) and ES384 (P-384) only",
                ec.curve
            ));
        }
        AlgorithmParameters::OctetKeyPair(_) => {
            return Err("an OKP (EdDSA) key: STS verifies RSA and EC signatures only".to_owned());
        }
        _ => {}
    }
    let key = DecodingKey::from_jwk(jwk).map_err(|e| format!("not a usable public key: {e}"))?;
    Ok(VerifyingKey {
        kid: jwk.common.key_id.clone(),
        algorithm,
        key,
    })
}
