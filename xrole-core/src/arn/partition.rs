//! [`Partition`]: the first section of every ARN.

use std::fmt;

use crate::charset;
use crate::{Error, ErrorKind, Subject};

/// An AWS partition: the first section of every ARN.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Partition {
    /// `aws`: the commercial regions.
    Aws,
    /// `aws-cn`: the China regions.
    AwsCn,
    /// `aws-us-gov`: AWS GovCloud (US).
    AwsUsGov,
    /// `aws-iso`: US ISO East/West.
    AwsIso,
    /// `aws-iso-b`: US ISOB East.
    AwsIsoB,
    /// `aws-iso-e`: EU ISOE West.
    AwsIsoE,
    /// `aws-iso-f`: US ISOF.
    AwsIsoF,
    /// `aws-eusc`: AWS European Sovereign Cloud.
    AwsEusc,
}

impl Partition {
    /// Every partition, in the order AWS lists them.
    pub const ALL: [Partition; 8] = [
        Partition::Aws,
        Partition::AwsCn,
        Partition::AwsUsGov,
        Partition::AwsIso,
        Partition::AwsIsoB,
        Partition::AwsIsoE,
        Partition::AwsIsoF,
        Partition::AwsEusc,
    ];

    /// The partition's name as it appears in ARNs.
    pub const fn as_str(self) -> &'static str {
        match self {
            Partition::Aws => "aws",
            Partition::AwsCn => "aws-cn",
            Partition::AwsUsGov => "aws-us-gov",
            Partition::AwsIso => "aws-iso",
            Partition::AwsIsoB => "aws-iso-b",
            Partition::AwsIsoE => "aws-iso-e",
            Partition::AwsIsoF => "aws-iso-f",
            Partition::AwsEusc => "aws-eusc",
        }
    }

    pub(super) const fn from_name(s: &[u8]) -> Option<Self> {
        let mut i = 0;
        while i < Self::ALL.len() {
            if charset::bytes_eq(Self::ALL[i].as_str().as_bytes(), s) {
                return Some(Self::ALL[i]);
            }
            i += 1;
        }
        None
    }

    /// The host of the partition's sign-in service (switch-role links, the
    /// federation endpoint); the isolated partitions have no public one.
    pub const fn signin_host(self) -> Option<&'static str> {
        match self {
            Partition::Aws => Some("signin.aws.amazon.com"),
            Partition::AwsCn => Some("signin.amazonaws.cn"),
            Partition::AwsUsGov => Some("signin.amazonaws-us-gov.com"),
            _ => None,
        }
    }

    /// The host of the partition's console, the same partitions as
    /// [`signin_host`](Self::signin_host).
    pub const fn console_host(self) -> Option<&'static str> {
        match self {
            Partition::Aws => Some("console.aws.amazon.com"),
            Partition::AwsCn => Some("console.amazonaws.cn"),
            Partition::AwsUsGov => Some("console.amazonaws-us-gov.com"),
            _ => None,
        }
    }

    /// The partition a region belongs to, by its name's prefix as the SDKs'
    /// partitions table says (`cn-` China, `us-gov-` GovCloud, `us-iso-`,
    /// `us-isob-`, `eu-isoe-`, `us-isof-`, `eusc-`); any other region is `aws`'s.
    pub fn of_region(region: &str) -> Self {
        const PREFIXES: [(&str, Partition); 7] = [
            ("cn-", Partition::AwsCn),
            ("us-gov-", Partition::AwsUsGov),
            ("us-iso-", Partition::AwsIso),
            ("us-isob-", Partition::AwsIsoB),
            ("eu-isoe-", Partition::AwsIsoE),
            ("us-isof-", Partition::AwsIsoF),
            ("eusc-", Partition::AwsEusc),
        ];
        PREFIXES
            .iter()
            .find(|(prefix, _)| region.starts_with(prefix))
            .map_or(Partition::Aws, |(_, p)| *p)
    }

    /// The DNS suffix of the partition's endpoints (CloudFormation's
    /// `AWS::URLSuffix`): `amazonaws.com`, `amazonaws.com.cn`, ...
    pub const fn dns_suffix(self) -> &'static str {
        match self {
            Partition::Aws | Partition::AwsUsGov => "amazonaws.com",
            Partition::AwsCn => "amazonaws.com.cn",
            Partition::AwsIso => "c2s.ic.gov",
            Partition::AwsIsoB => "sc2s.sgov.gov",
            Partition::AwsIsoE => "cloud.adc-e.uk",
            Partition::AwsIsoF => "csp.hci.ic.gov",
            Partition::AwsEusc => "amazonaws.eu",
        }
    }

    /// Parses a partition name (`aws`, `aws-cn`, ...).
    pub fn parse(s: &str) -> Result<Self, Error> {
        Self::from_name(s.as_bytes())
            .ok_or_else(|| Error::new(Subject::Partition, ErrorKind::Unknown, unknown_partition(s)))
    }
}

pub(super) fn unknown_partition(s: &str) -> String {
    let names: Vec<&str> = Partition::ALL.iter().map(|p| p.as_str()).collect();
    format!(
        "unknown partition {s:?} (expected one of {})",
        names.join(", ")
    )
}

impl fmt::Display for Partition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

crate::macros::string_traits!(Partition);
