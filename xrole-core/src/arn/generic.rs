//! [`Arn`]: any ARN's six sections, split and joined in one place.

use std::fmt;

use super::AccountId;

/// Any ARN's six sections, `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`,
/// borrowed from its text and checked for that shape only: the resource keeps its
/// colons, and a policy's ARN patterns (`arn:aws:iam::*:role/deploy-*`) split
/// the same way. The typed ARNs ([`RoleArn`](crate::RoleArn),
/// [`PrincipalArn`](crate::PrincipalArn), [`PolicyArn`](crate::PolicyArn)) check
/// their family's rules on top; every other module splits and builds ARNs here.
///
/// ```
/// use xrole_core::Arn;
///
/// let arn = Arn::split("arn:aws:s3:::bucket/key:with:colons").unwrap();
/// assert_eq!((arn.service, arn.account, arn.resource), ("s3", "", "bucket/key:with:colons"));
/// assert_eq!(arn.to_string(), "arn:aws:s3:::bucket/key:with:colons");
/// assert!(Arn::split("arn:aws:s3").is_none());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Arn<'a> {
    /// `aws`, `aws-cn`, `aws-us-gov`, ... (or a pattern).
    pub partition: &'a str,
    /// The service prefix, `iam`, `sts`, `s3`, ...
    pub service: &'a str,
    /// The region; empty for global services.
    pub region: &'a str,
    /// The account; empty for S3 buckets, `aws` for AWS managed policies.
    pub account: &'a str,
    /// The resource, colons and all.
    pub resource: &'a str,
}

impl<'a> Arn<'a> {
    /// The sections of `text`, if it is `arn:` and five more colon-separated
    /// sections.
    pub fn split(text: &'a str) -> Option<Self> {
        let mut parts = text.splitn(6, ':');
        if parts.next()? != "arn" {
            return None;
        }
        Some(Self {
            partition: parts.next()?,
            service: parts.next()?,
            region: parts.next()?,
            account: parts.next()?,
            resource: parts.next()?,
        })
    }

    /// The six sections in order, `"arn"` first.
    pub fn sections(&self) -> [&'a str; 6] {
        [
            "arn",
            self.partition,
            self.service,
            self.region,
            self.account,
            self.resource,
        ]
    }

    /// The ARN of the SQS queue at `url`: `https://sqs.REGION.amazonaws.com/ACCOUNT/NAME`
    /// (`.amazonaws.com.cn` in China), the legacy `https://REGION.queue.amazonaws.com/...`
    /// and `https://queue.amazonaws.com/...` (us-east-1); in the region's partition.
    ///
    /// ```
    /// use xrole_core::Arn;
    ///
    /// let arn = Arn::of_queue_url("https://sqs.eu-west-1.amazonaws.com/222222222222/jobs").unwrap();
    /// assert_eq!(arn.to_string(), "arn:aws:sqs:eu-west-1:222222222222:jobs");
    /// ```
    pub fn of_queue_url(url: &'a str) -> Option<Self> {
        let rest = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"))?;
        let (host, path) = rest.split_once('/')?;
        let (account, name) = path.trim_end_matches('/').split_once('/')?;
        let region = if let Some(r) = host.strip_prefix("sqs.") {
            r.strip_suffix(".amazonaws.com")
                .or_else(|| r.strip_suffix(".amazonaws.com.cn"))?
        } else if host == "queue.amazonaws.com" {
            "us-east-1"
        } else {
            host.strip_suffix(".queue.amazonaws.com")?
        };
        let valid = crate::Region::parse(region).is_ok()
            && AccountId::parse(account).is_ok()
            && !name.is_empty()
            && !name.contains(['/', ':', '?', '#']);
        valid.then(|| Self {
            partition: super::Partition::of_region(region).as_str(),
            service: "sqs",
            region,
            account,
            resource: name,
        })
    }

    /// The account, when the section is a 12-digit account id.
    pub fn account_id(&self) -> Option<AccountId> {
        // No account (S3's buckets, IAM's AWS-managed `aws`): no error to build.
        if self.account.len() != 12 {
            return None;
        }
        AccountId::parse(self.account).ok()
    }
}

impl fmt::Display for Arn<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "arn:{}:{}:{}:{}:{}",
            self.partition, self.service, self.region, self.account, self.resource
        )
    }
}
