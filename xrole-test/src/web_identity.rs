//! A test OIDC issuer: it makes its own keys (RS256 and ES256), publishes them as a
//! JWKS, and mints tokens with the claims a test chooses, so that web identity is
//! tested with real signatures and no network.
//!
//! ```
//! use std::time::SystemTime;
//! use xrole_test::web_identity::TestIssuer;
//!
//! let github = TestIssuer::github_actions()?;
//! let token = github
//!     .token(SystemTime::now())
//!     .subject("repo:acme/api:ref:refs/heads/main")
//!     .audience("sts.amazonaws.com")
//!     .sign()?;
//! assert_eq!(token.split('.').count(), 3);
//! // The world's provider: github.provider("222222222222".parse()?, ["sts.amazonaws.com"])?
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_lc_rs::encoding::AsDer;
use jsonwebtoken::jwk::{Jwk, JwkSet, PublicKeyUse};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Map, Value};
use xrole_core::{AccountId, GITHUB_ACTIONS_ISSUER};

use xrole_iam::world::{OidcProvider, WorldError};

/// A failure to make keys or to sign.
#[derive(Debug, thiserror::Error)]
#[error("test issuer: {0}")]
pub struct IssuerError(String);

/// One signing key and its public half.
#[derive(Clone)]
struct SigningKey {
    kid: String,
    algorithm: Algorithm,
    key: EncodingKey,
    public: Jwk,
}

impl SigningKey {
    fn new(kid: String, algorithm: Algorithm) -> Result<Self, IssuerError> {
        let failed = |e: &dyn fmt::Display| IssuerError(format!("cannot make a key: {e}"));
        let key = match algorithm {
            Algorithm::RS256 => {
                let pair = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)
                    .map_err(|e| failed(&e))?;
                let der = pair.as_der().map_err(|e| failed(&e))?;
                // jsonwebtoken reads RSA keys as PKCS#1, or PKCS#8 in PEM.
                let pem = pem::encode(&pem::Pem::new("PRIVATE KEY", der.as_ref().to_vec()));
                EncodingKey::from_rsa_pem(pem.as_bytes()).map_err(|e| failed(&e))?
            }
            Algorithm::ES256 => {
                let pair = aws_lc_rs::signature::EcdsaKeyPair::generate(
                    &aws_lc_rs::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
                )
                .map_err(|e| failed(&e))?;
                let der = pair.to_pkcs8v1().map_err(|e| failed(&e))?;
                EncodingKey::from_ec_der(der.as_ref())
            }
            other => return Err(IssuerError(format!("{other:?} keys are not made here"))),
        };
        let mut public = Jwk::from_encoding_key(&key, algorithm).map_err(|e| failed(&e))?;
        public.common.key_id = Some(kid.clone());
        public.common.public_key_use = Some(PublicKeyUse::Signature);
        Ok(Self {
            kid,
            algorithm,
            key,
            public,
        })
    }
}

/// Keys of different issuers never share a `kid`.
static NEXT_KID: AtomicU64 = AtomicU64::new(1);

/// A token issuer for tests: its URL, and an RS256 and an ES256 key of its own.
#[derive(Clone)]
pub struct TestIssuer {
    url: String,
    rs256: SigningKey,
    es256: SigningKey,
}

impl fmt::Debug for TestIssuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestIssuer")
            .field("url", &self.url)
            .field("kids", &[&self.rs256.kid, &self.es256.kid])
            .finish()
    }
}

impl TestIssuer {
    /// An issuer at `url` (`https://HOST/PATH`, its tokens' `iss`) with fresh keys.
    pub fn new(url: &str) -> Result<Self, IssuerError> {
        let n = NEXT_KID.fetch_add(1, Ordering::Relaxed);
        Ok(Self {
            url: url.trim_end_matches('/').to_owned(),
            rs256: SigningKey::new(format!("test-rs256-{n}"), Algorithm::RS256)?,
            es256: SigningKey::new(format!("test-es256-{n}"), Algorithm::ES256)?,
        })
    }

    /// An issuer at GitHub Actions' URL (`https://token.actions.githubusercontent.com`).
    pub fn github_actions() -> Result<Self, IssuerError> {
        Self::new(&format!("https://{GITHUB_ACTIONS_ISSUER}"))
    }

    /// The issuer URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The public keys, as the issuer's `jwks_uri` serves them.
    pub fn jwks(&self) -> JwkSet {
        JwkSet {
            keys: vec![self.rs256.public.clone(), self.es256.public.clone()],
        }
    }

    /// The world's OIDC provider for this issuer in `account`, accepting
    /// `client_ids`.
    pub fn provider<S: Into<String>>(
        &self,
        account: AccountId,
        client_ids: impl IntoIterator<Item = S>,
    ) -> Result<OidcProvider, WorldError> {
        OidcProvider::new(account, &self.url, client_ids, self.jwks())
    }

    /// A token issued at `now`, valid for an hour, with `iss`, `iat`, `nbf` and
    /// `exp` set and no other claim yet; signed RS256 unless told otherwise.
    pub fn token(&self, now: SystemTime) -> TokenBuilder<'_> {
        let secs = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let mut claims = Map::new();
        claims.insert("iss".into(), Value::from(self.url.clone()));
        claims.insert("iat".into(), Value::from(secs));
        claims.insert("nbf".into(), Value::from(secs));
        claims.insert("exp".into(), Value::from(secs + 3600));
        TokenBuilder {
            issuer: self,
            algorithm: Algorithm::RS256,
            claims,
            kid: None,
            no_kid: false,
        }
    }

    /// A GitHub Actions job's token as GitHub mints it: `sub`
    /// `repo:REPOSITORY:ref:refs/heads/BRANCH`, `aud`, and the claims that describe
    /// the job (`repository`, `repository_owner`, `ref`, `ref_type`, `event_name`,
    /// `job_workflow_ref`, `workflow_ref`).
    pub fn github_job(
        &self,
        now: SystemTime,
        repository: &str,
        branch: &str,
        audience: &str,
    ) -> TokenBuilder<'_> {
        let owner = repository.split('/').next().unwrap_or_default();
        let git_ref = format!("refs/heads/{branch}");
        let workflow = format!("{repository}/.github/workflows/deploy.yml@{git_ref}");
        self.token(now)
            .subject(&format!("repo:{repository}:ref:{git_ref}"))
            .audience(audience)
            .claim("repository", repository)
            .claim("repository_owner", owner)
            .claim("ref", git_ref.as_str())
            .claim("ref_type", "branch")
            .claim("event_name", "push")
            .claim("job_workflow_ref", workflow.as_str())
            .claim("workflow_ref", workflow.as_str())
    }
}

/// A token being written: claims, algorithm, key id.
#[derive(Clone, Debug)]
pub struct TokenBuilder<'a> {
    issuer: &'a TestIssuer,
    algorithm: Algorithm,
    claims: Map<String, Value>,
    kid: Option<String>,
    no_kid: bool,
}

impl TokenBuilder<'_> {
    /// `sub`.
    pub fn subject(self, sub: &str) -> Self {
        self.claim("sub", sub)
    }
    /// `aud`, a single audience.
    pub fn audience(self, aud: &str) -> Self {
        self.claim("aud", aud)
    }
    /// Any claim (over one set before).
    pub fn claim(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.claims.insert(name.to_owned(), value.into());
        self
    }
    /// Session tags for the session (`https://aws.amazon.com/tags`:
    /// `principal_tags`, each a one-value list, and `transitive_tag_keys`).
    pub fn session_tags(self, tags: &[(&str, &str)], transitive: &[&str]) -> Self {
        let principal: Map<String, Value> = tags
            .iter()
            .map(|(k, v)| ((*k).to_owned(), Value::from(vec![*v])))
            .collect();
        self.claim(
            xrole_iam::eval::TAGS_CLAIM,
            serde_json::json!({"principal_tags": principal, "transitive_tag_keys": transitive}),
        )
    }
    /// A source identity for the session (`https://aws.amazon.com/source_identity`).
    pub fn source_identity(self, identity: &str) -> Self {
        self.claim(xrole_iam::eval::SOURCE_IDENTITY_CLAIM, identity)
    }
    /// Removes a claim.
    pub fn without(mut self, name: &str) -> Self {
        self.claims.remove(name);
        self
    }
    /// `exp`: the token expires this long after it was issued.
    pub fn valid_for(self, lifetime: Duration) -> Self {
        let iat = self.claims.get("iat").and_then(Value::as_u64).unwrap_or(0);
        self.claim("exp", iat + lifetime.as_secs())
    }
    /// `nbf`: the token is valid from `at` only.
    pub fn not_before(self, at: SystemTime) -> Self {
        let secs = at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        self.claim("nbf", secs)
    }
    /// Signs with the ES256 key instead of the RS256 one.
    pub fn es256(mut self) -> Self {
        self.algorithm = Algorithm::ES256;
        self
    }
    /// Names another key id in the header (the signature stays the issuer's).
    pub fn kid(mut self, kid: &str) -> Self {
        self.kid = Some(kid.to_owned());
        self
    }
    /// Names no key id in the header: the verifier must find the key itself.
    pub fn no_kid(mut self) -> Self {
        self.no_kid = true;
        self
    }
    /// The signed token (`header.claims.signature`).
    pub fn sign(&self) -> Result<String, IssuerError> {
        let key = match self.algorithm {
            Algorithm::ES256 => &self.issuer.es256,
            _ => &self.issuer.rs256,
        };
        let mut header = Header::new(key.algorithm);
        header.kid = (!self.no_kid).then(|| self.kid.clone().unwrap_or_else(|| key.kid.clone()));
        jsonwebtoken::encode(&header, &self.claims, &key.key)
            .map_err(|e| IssuerError(format!("cannot sign: {e}")))
    }
}
