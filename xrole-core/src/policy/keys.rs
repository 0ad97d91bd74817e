//! The condition keys xrole writes into policies and into request contexts, named
//! once: the generator, the evaluator, the lints and the emulator all use these.
//! Keys compare regardless of case in policies; these are AWS's spellings.

/// Whether the caller signed in with MFA (a boolean key).
pub const MULTI_FACTOR_AUTH_PRESENT: &str = "aws:MultiFactorAuthPresent";
/// Seconds since the caller's MFA sign-in.
pub const MULTI_FACTOR_AUTH_AGE: &str = "aws:MultiFactorAuthAge";
/// The ExternalId of an AssumeRole call.
pub const EXTERNAL_ID: &str = "sts:ExternalId";
/// The RoleSessionName of an AssumeRole call.
pub const ROLE_SESSION_NAME: &str = "sts:RoleSessionName";
/// The TransitiveTagKeys of an AssumeRole call.
pub const TRANSITIVE_TAG_KEYS: &str = "sts:TransitiveTagKeys";
/// The SourceIdentity of an AssumeRole call.
pub const SOURCE_IDENTITY: &str = "aws:SourceIdentity";
/// The SourceIdentity an AssumeRole call asks for (`aws:SourceIdentity` is the
/// one the caller's session already carries).
pub const REQUESTED_SOURCE_IDENTITY: &str = "sts:SourceIdentity";
/// The keys of the tags a request sets.
pub const TAG_KEYS: &str = "aws:TagKeys";
/// The caller's organization.
pub const PRINCIPAL_ORG_ID: &str = "aws:PrincipalOrgID";
/// The paths of the caller's account in its organization.
pub const PRINCIPAL_ORG_PATHS: &str = "aws:PrincipalOrgPaths";
/// The resource's organization.
pub const RESOURCE_ORG_ID: &str = "aws:ResourceOrgID";
/// The paths of the resource's account in its organization.
pub const RESOURCE_ORG_PATHS: &str = "aws:ResourceOrgPaths";
/// The account of the resource.
pub const RESOURCE_ACCOUNT: &str = "aws:ResourceAccount";
/// The caller's account.
pub const PRINCIPAL_ACCOUNT: &str = "aws:PrincipalAccount";
/// Whether the caller is an AWS service.
pub const PRINCIPAL_IS_AWS_SERVICE: &str = "aws:PrincipalIsAWSService";
/// The caller's ARN.
pub const PRINCIPAL_ARN: &str = "aws:PrincipalArn";
/// The kind of caller: Account, User, AssumedRole, FederatedUser...
pub const PRINCIPAL_TYPE: &str = "aws:PrincipalType";
/// The caller's unique id (`ACCOUNT:NAME` for a federated user).
pub const USER_ID: &str = "aws:userid";
/// The ARN of the resource a service acts for.
pub const SOURCE_ARN: &str = "aws:SourceArn";
/// The account of the resource a service acts for.
pub const SOURCE_ACCOUNT: &str = "aws:SourceAccount";
/// The request's time, in seconds since the epoch.
pub const EPOCH_TIME: &str = "aws:EpochTime";
/// The request's time, ISO 8601.
pub const CURRENT_TIME: &str = "aws:CurrentTime";
/// The caller's IP address.
pub const SOURCE_IP: &str = "aws:SourceIp";
/// Whether the request came over TLS.
pub const SECURE_TRANSPORT: &str = "aws:SecureTransport";
/// The identity provider of a web identity session.
pub const FEDERATED_PROVIDER: &str = "aws:FederatedProvider";
/// The region a request is sent to.
pub const REQUESTED_REGION: &str = "aws:RequestedRegion";
/// The service a role is passed to (`iam:PassRole`).
pub const PASSED_TO_SERVICE: &str = "iam:PassedToService";

/// `aws:PrincipalTag/KEY`: a tag of the caller.
pub fn principal_tag(key: &str) -> String {
    format!("aws:PrincipalTag/{key}")
}

/// `aws:RequestTag/KEY`: a tag the request sets.
pub fn request_tag(key: &str) -> String {
    format!("aws:RequestTag/{key}")
}
