//! The text parameters: [`SessionName`], [`FederatedUserName`], [`SourceIdentity`],
//! [`ExternalId`], [`MfaSerial`], each one `text_type!`.

use crate::charset::Charset;
use crate::macros::text_type;

text_type!(
    /// `RoleSessionName`: 2-64 characters of `[\w+=,.@-]`. It appears in the
    /// assumed-role ARN and in CloudTrail.
    SessionName, subject = SessionName, min = 2, max = 64, charset = Charset::Name
);

text_type!(
    /// GetFederationToken's `Name`: 2-32 characters of `[\w+=,.@-]`. It names the
    /// federated user in its ARN (`arn:aws:sts::ACCOUNT:federated-user/NAME`), which
    /// resource policies can grant to.
    FederatedUserName, subject = FederatedUserName, min = 2, max = 32, charset = Charset::Name
);

text_type!(
    /// `SourceIdentity`: 2-64 characters of `[\w+=,.@-]`. Once set it stays with the
    /// session and every session chained from it.
    SourceIdentity, subject = SourceIdentity, min = 2, max = 64, charset = Charset::Name
);

text_type!(
    /// `ExternalId`: 2-1224 characters of `[\w+=,.@:/-]`, the confused-deputy guard a
    /// third party's trust policy demands with `sts:ExternalId`.
    ExternalId, subject = ExternalId, min = 2, max = 1224, charset = Charset::ExternalId
);

text_type!(
    /// `SerialNumber`: an MFA device, either a hardware serial (`GAHT12345678`) or a
    /// virtual device ARN (`arn:aws:iam::111111111111:mfa/alice`); 9-256 characters
    /// of `[\w+=/:,.@-]`.
    MfaSerial, subject = MfaSerial, min = 9, max = 256, charset = Charset::Mfa
);
