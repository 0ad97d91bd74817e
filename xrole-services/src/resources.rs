//! The resources a check acts on, read from the request: the services whose
//! resources are named in their own ways (S3's buckets and keys, queue URLs,
//! table names, key ids and aliases, secret names, function names) have their
//! rules here; every other action's ARN is its resource type's format from the
//! IAM data, filled with the request's members.

use serde_json::Value;
use xrole_core::Arn;

use crate::classify::{Target, Values};
use crate::curated::{ItemKind, PARTIQL, PerItem};
use crate::{ServiceData, same_letters};

/// An action's resources, and whether they had to be guessed.
pub(crate) struct Found {
    pub(crate) arns: Vec<String>,
    pub(crate) approximate: bool,
}

impl Found {
    fn exact(arns: Vec<String>) -> Self {
        Self {
            arns,
            approximate: false,
        }
    }

    fn any() -> Self {
        Self::exact(vec!["*".to_owned()])
    }
}

/// ARNs in the request's partition, region and account.
struct Arns<'t> {
    target: Target<'t>,
}

impl Arns<'_> {
    fn regional(&self, service: &str, resource: &str) -> String {
        Arn {
            partition: self.target.partition,
            service,
            region: self.target.region,
            account: self.target.account,
            resource,
        }
        .to_string()
    }

    /// `name` when it is an ARN already, else the ARN of `resource`.
    fn named(&self, name: String, service: &str, resource: impl FnOnce() -> String) -> String {
        if name.starts_with("arn:") {
            name
        } else {
            self.regional(service, &resource())
        }
    }

    fn s3(&self, resource: &str) -> String {
        Arn {
            partition: self.target.partition,
            service: "s3",
            region: "",
            account: "",
            resource,
        }
        .to_string()
    }

    fn table(&self, name: String, index: Option<&str>) -> String {
        self.named(name.clone(), "dynamodb", || match index {
            Some(index) => format!("table/{name}/index/{index}"),
            None => format!("table/{name}"),
        })
    }
}

/// An S3 object's ARN.
pub(crate) fn s3_object(target: Target<'_>, bucket: &str, key: &str) -> String {
    Arns { target }.s3(&format!("{bucket}/{key}"))
}

/// The resources the `i`-th action of the operation acts on.
pub(crate) fn resources(
    data: &ServiceData,
    action: &str,
    i: usize,
    values: &Values<'_, '_>,
    target: Target<'_>,
) -> Found {
    let arns = Arns { target };
    // Where the service's own member is absent, the IAM data's format.
    let one = |arn: Option<String>| match arn {
        Some(a) => Found::exact(vec![a]),
        None => template(data, action, values, &arns),
    };
    let prefix = action.split_once(':').map_or(action, |(p, _)| p);
    let operation = values.identified.operation;
    match (values.identified.service, prefix) {
        // Directory buckets: the s3express bucket, regional, of the caller.
        ("s3", "s3express") => one(values
            .get("Bucket")
            .map(|b| arns.regional("s3express", &format!("bucket/{b}")))),
        ("s3", _) => {
            let bucket = values.get("Bucket");
            let key = values.get("Key");
            match (action, bucket, key) {
                // CopyObject: the source first (x-amz-copy-source: BUCKET/KEY).
                ("s3:GetObject", _, _)
                    if matches!(operation, "CopyObject" | "UploadPartCopy") && i == 0 =>
                {
                    let source = values.get("CopySource").unwrap_or_default();
                    let source = source.trim_start_matches('/');
                    let source = source.split('?').next().unwrap_or_default();
                    let decoded = percent_encoding::percent_decode_str(source).decode_utf8_lossy();
                    Found::exact(vec![arns.s3(&decoded)])
                }
                ("s3:ListAllMyBuckets", _, _) => Found::any(),
                (_, Some(b), Some(k)) => Found::exact(vec![arns.s3(&format!("{b}/{k}"))]),
                (_, Some(b), None) => Found::exact(vec![arns.s3(&b)]),
                _ => template(data, action, values, &arns),
            }
        }
        ("sqs", _) => one(values
            .get("QueueUrl")
            .and_then(|url| Arn::of_queue_url(&url).map(|a| a.to_string()))),
        ("dynamodb", _) => match values.get("TableName") {
            Some(t) => Found::exact(vec![arns.table(t, values.get("IndexName").as_deref())]),
            // BatchGetItem, BatchWriteItem: one table each, by RequestItems' keys.
            None => match values.body.get("RequestItems").and_then(Value::as_object) {
                Some(tables) => {
                    Found::exact(tables.keys().map(|t| arns.table(t.clone(), None)).collect())
                }
                None => template(data, action, values, &arns),
            },
        },
        // A subscription is authorized on its topic: its ARN without the
        // subscription's id.
        ("sns", _) => one(values.get("TopicArn").or_else(|| {
            let subscription = values.get("SubscriptionArn")?;
            let (topic, _) = subscription.rsplit_once(':')?;
            Arn::split(topic)
                .filter(|a| a.service == "sns")
                .map(|_| topic.to_owned())
        })),
        // ReEncrypt: the source key first, then the destination key.
        ("kms", _) => one(values
            .get("KeyId")
            .or_else(|| {
                values.get(if i == 0 {
                    "SourceKeyId"
                } else {
                    "DestinationKeyId"
                })
            })
            .map(|k| match k.strip_prefix("alias/") {
                Some(_) => arns.regional("kms", &k),
                None => arns.named(k.clone(), "kms", || format!("key/{k}")),
            })),
        // CreateSecret names it `Name`; a name's ARN ends with a suffix
        // Secrets Manager generates.
        ("secretsmanager", _) => one(values
            .get("SecretId")
            .or_else(|| values.get("Name"))
            .map(|s| arns.named(s.clone(), "secretsmanager", || format!("secret:{s}-??????")))),
        ("lambda", "lambda") if values.get("FunctionName").is_some() => {
            one(values.get("FunctionName").map(|f| {
                let qualifier = values
                    .get("Qualifier")
                    .map(|q| format!(":{q}"))
                    .unwrap_or_default();
                arns.named(f.clone(), "lambda", || format!("function:{f}{qualifier}"))
            }))
        }
        ("sts", _) => one(values.get("RoleArn")),
        _ => template(data, action, values, &arns),
    }
}

/// A template variable's member where the names differ by more than case and
/// the suffixes `WithPath`, `WithoutLeadingSlash` and `Name`.
const ALIASES: &[(&str, &str, &str)] = &[
    ("ssm", "ParameterNameWithoutLeadingSlash", "Name"),
    ("ssm", "ParameterNameWithoutLeadingSlash", "Path"),
    ("sns", "TopicName", "Name"),
    ("sts", "FederatedUserName", "Name"),
    ("ssm", "DocumentName", "Name"),
    ("ssm", "ParameterNameWithoutLeadingSlash", "ResourceId"),
];

/// The action's resource type's ARN format (from the IAM data) filled with the
/// request's members: the first of its required types that fills (the data
/// marks alternatives, such as a table or a stream, each as required), else of
/// its other types, else the ARN of the service a member gives (`ResourceArn`,
/// a layer's `Arn`, Lambda's tagging `Resource`). `*` where none does: approximate if a type is required, exact for
/// an action that names no resource.
fn template(data: &ServiceData, action: &str, values: &Values<'_, '_>, arns: &Arns<'_>) -> Found {
    let Some((prefix, name)) = action.split_once(':') else {
        return Found::any();
    };
    let Some(iam) = data.iam(prefix) else {
        return Found::any();
    };
    let Some(act) = iam.action(name) else {
        return Found::any();
    };
    if act.resources.is_empty() {
        return Found::any();
    }
    let required = act.resources.iter().any(|r| r.ends_with('*'));
    let types = act
        .resources
        .iter()
        .filter(|r| !required || r.ends_with('*'))
        .map(|r| r.trim_end_matches('*'));
    // A call that says which type it names (SSM's `ResourceType`: `Parameter`,
    // `MaintenanceWindow`, ...) fills that type alone.
    let named_type = values.get("ResourceType");
    let types: Vec<&str> = types
        .filter(|t| named_type.as_deref().is_none_or(|n| same_letters(n, t)))
        .collect();
    let mut fills = types
        .iter()
        .filter_map(|t| iam.resource_arn(t))
        .filter_map(|format| fill(format, prefix, values, arns.target));
    let filled = match (fills.next(), fills.next()) {
        // Two types fill differently: which one the call means is unknown.
        (Some(first), Some(second)) if first != second => None,
        (Some(first), _) => Some(first),
        (None, _) => values
            .identified
            .model
            .members
            .keys()
            .filter_map(|m| values.get(m))
            .find(|v| Arn::split(v).is_some_and(|a| a.service == prefix)),
    };
    match filled {
        Some(arn) => Found::exact(vec![arn]),
        None if required => Found {
            arns: vec!["*".to_owned()],
            approximate: true,
        },
        None => Found::any(),
    }
}

/// `arn:${Partition}:logs:${Region}:${Account}:log-group:${LogGroupName}` with
/// each variable's value, or `None` when a member is missing.
fn fill(format: &str, prefix: &str, values: &Values<'_, '_>, target: Target<'_>) -> Option<String> {
    let mut out = String::with_capacity(format.len() + 32);
    let mut rest = format;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find('}')? + start;
        let variable = &rest[start + 2..end];
        match variable {
            "Partition" => out.push_str(target.partition),
            "Region" => out.push_str(target.region),
            "Account" => out.push_str(target.account),
            _ => out.push_str(&member_value(variable, prefix, values)?),
        }
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// The member that fills a template variable: the same name up to case, or
/// without the suffixes `WithPath`, `WithoutLeadingSlash` or `Name`, or an
/// alias ([`ALIASES`]).
fn member_value(variable: &str, prefix: &str, values: &Values<'_, '_>) -> Option<String> {
    let members = &values.identified.model.members;
    let stem = variable
        .trim_end_matches("WithPath")
        .trim_end_matches("WithoutLeadingSlash");
    let candidates = [variable, stem, stem.trim_end_matches("Name")];
    let member = candidates
        .iter()
        .find_map(|c| members.keys().find(|m| m.eq_ignore_ascii_case(c)))
        .map(String::as_str)
        .or_else(|| {
            ALIASES
                .iter()
                .filter(|(p, v, _)| *p == prefix && *v == variable)
                .map(|(_, _, m)| *m)
                .find(|m| members.contains_key(*m))
        })?;
    let value = values.get(member)?;
    if value.is_empty() || value.starts_with("arn:") {
        return None;
    }
    Some(if variable.ends_with("WithoutLeadingSlash") {
        value.trim_start_matches('/').to_owned()
    } else {
        value
    })
}

/// Each item's action and resources, for an operation of [`PER_ITEM`]; an item
/// whose action or table cannot be read is `prefix:Operation` on `*`,
/// approximate (an action no policy names but with a wildcard).
pub(crate) fn per_item(
    rule: &PerItem,
    values: &Values<'_, '_>,
    target: Target<'_>,
) -> Vec<(String, Found)> {
    let arns = Arns { target };
    let fallback = || {
        (
            format!("{}:{}", rule.service, rule.operation),
            Found {
                arns: vec!["*".to_owned()],
                approximate: true,
            },
        )
    };
    let items: Vec<&Value> = match rule.list {
        Some(list) => match values.body.get(list).and_then(Value::as_array) {
            Some(items) => items.iter().collect(),
            None => return vec![fallback()],
        },
        None => vec![values.body],
    };
    let mut out: Vec<(String, Found)> = items
        .into_iter()
        .map(|item| match rule.item {
            ItemKind::Keyed(keys) => keys
                .iter()
                .find_map(|(key, action)| {
                    let table = item.get(*key)?.get("TableName")?.as_str()?;
                    Some((
                        (*action).to_owned(),
                        Found::exact(vec![arns.table(table.to_owned(), None)]),
                    ))
                })
                .unwrap_or_else(fallback),
            ItemKind::PartiQl => item
                .get("Statement")
                .and_then(Value::as_str)
                .and_then(partiql)
                .map(|(action, table, index)| {
                    (
                        action.to_owned(),
                        Found::exact(vec![arns.table(table, index.as_deref())]),
                    )
                })
                .unwrap_or_else(fallback),
        })
        .collect();
    if out.is_empty() {
        out.push(fallback());
    }
    out
}

/// A PartiQL statement's action and the table (and index) it names:
/// `SELECT … FROM "t"."i"`, `INSERT INTO "t"`, `UPDATE "t"`, `DELETE FROM "t"`.
fn partiql(statement: &str) -> Option<(&'static str, String, Option<String>)> {
    let statement = statement.trim_start();
    let verb_end = statement
        .find(|c: char| c.is_whitespace())
        .unwrap_or(statement.len());
    let verb = &statement[..verb_end];
    let action = PARTIQL
        .iter()
        .find(|(v, _)| v.eq_ignore_ascii_case(verb))
        .map(|(_, a)| *a)?;
    let mut rest = &statement[verb_end..];
    if !verb.eq_ignore_ascii_case("UPDATE") {
        let keyword = if verb.eq_ignore_ascii_case("INSERT") {
            "INTO"
        } else {
            "FROM"
        };
        rest = after_keyword(rest, keyword)?;
    }
    let (table, rest) = identifier(rest.trim_start())?;
    let index = rest
        .strip_prefix('.')
        .and_then(|r| identifier(r))
        .map(|(index, _)| index);
    Some((action, table, index))
}

/// What follows the first `keyword` outside quotes.
fn after_keyword<'s>(text: &'s str, keyword: &str) -> Option<&'s str> {
    let mut quoted = None::<char>;
    let mut word_start = None::<usize>;
    for (at, c) in text.char_indices() {
        match quoted {
            Some(q) if c == q => quoted = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => {
                quoted = Some(c);
                word_start = None;
            }
            None if c.is_ascii_alphabetic() => {
                let start = *word_start.get_or_insert(at);
                let end = at + c.len_utf8();
                let next = text[end..].chars().next();
                if !next.is_some_and(|n| n.is_ascii_alphanumeric() || n == '_')
                    && text[start..end].eq_ignore_ascii_case(keyword)
                {
                    return Some(&text[end..]);
                }
            }
            None if c.is_ascii_digit() || c == '_' => {}
            None => word_start = None,
        }
    }
    None
}

/// A PartiQL identifier at the start of `text`: `"quoted ""name"""` or a bare
/// word; and what follows it.
fn identifier(text: &str) -> Option<(String, &str)> {
    if let Some(quoted) = text.strip_prefix('"') {
        let mut name = String::new();
        let mut chars = quoted.char_indices();
        while let Some((at, c)) = chars.next() {
            if c == '"' {
                if quoted[at + 1..].starts_with('"') {
                    name.push('"');
                    chars.next();
                } else {
                    return (!name.is_empty()).then(|| (name, &quoted[at + 1..]));
                }
            } else {
                name.push(c);
            }
        }
        None
    } else {
        let end = text
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-')))
            .unwrap_or(text.len());
        (end > 0).then(|| (text[..end].to_owned(), &text[end..]))
    }
}
