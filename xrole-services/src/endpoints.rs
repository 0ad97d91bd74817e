//! Where a service answers in AWS: its regional endpoint
//! `https://PREFIX.REGION.SUFFIX` (the prefix from its model, the suffix the
//! region's partition's), or the one endpoint a global service has in its
//! partition. S3 is addressed path-style there (`/BUCKET/KEY`), as requests
//! come to a gateway.

use xrole_core::Partition;

use crate::ServiceData;

/// Services with one endpoint in the commercial partition
/// (`https://PREFIX.amazonaws.com`), signed for `us-east-1`.
const GLOBAL: [&str; 4] = ["iam", "organizations", "route53", "cloudfront"];

/// The endpoint of `service` (botocore's name: `s3`, `dynamodb`) in
/// `region`, or `None` when the models do not know the service.
pub fn endpoint(data: &ServiceData, service: &str, region: &str) -> Option<String> {
    let prefix = data.model(service)?.endpoint.as_deref()?;
    let partition = Partition::of_region(region);
    let suffix = partition.dns_suffix();
    Some(
        if partition == Partition::Aws && GLOBAL.contains(&service) {
            format!("https://{prefix}.{suffix}")
        } else {
            format!("https://{prefix}.{region}.{suffix}")
        },
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // tests may fail loudly

    use super::*;

    #[test]
    fn regional_global_and_other_partitions() {
        let data = crate::data().unwrap();
        let at = |s, r| endpoint(data, s, r).unwrap();
        assert_eq!(
            at("dynamodb", "eu-west-1"),
            "https://dynamodb.eu-west-1.amazonaws.com"
        );
        assert_eq!(at("s3", "us-east-1"), "https://s3.us-east-1.amazonaws.com");
        assert_eq!(
            at("logs", "cn-north-1"),
            "https://logs.cn-north-1.amazonaws.com.cn"
        );
        assert_eq!(at("iam", "eu-west-1"), "https://iam.amazonaws.com");
        assert_eq!(
            at("iam", "cn-north-1"),
            "https://iam.cn-north-1.amazonaws.com.cn"
        );
        assert_eq!(endpoint(data, "no-such-service", "us-east-1"), None);
    }
}
