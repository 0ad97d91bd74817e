//! DynamoDB's fine-grained access keys (DynamoDB developer guide, "Using IAM
//! policy conditions for fine-grained access control":
//! <https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html>),
//! each for one table of a request:
//!
//! - `dynamodb:Attributes`: the top-level attribute names the request names,
//!   key attributes included (the guide: a policy on it must list the key
//!   attributes), from keys, items, updates, legacy conditions and filters,
//!   `AttributesToGet`, and every expression (names resolved);
//! - `dynamodb:Select`: which attributes a read returns; when the request does
//!   not say, the API's default (Query API reference, `Select`):
//!   `SPECIFIC_ATTRIBUTES` with a projection, else `ALL_ATTRIBUTES` on a table
//!   and `ALL_PROJECTED_ATTRIBUTES` on an index;
//! - `dynamodb:LeadingKeys`: the partition key values. Which attribute is the
//!   partition key is the table's schema, not the request's: the caller gives
//!   it (the world's table).
//!
//! PartiQL statements are not read for attributes.

use serde_json::Value;
use xrole_core::Arn;

use crate::ServiceData;
use crate::classify::Check;

/// The partition key values of the items a request names.
pub const LEADING_KEYS: &str = "dynamodb:LeadingKeys";
/// The top-level attribute names a request names.
pub const ATTRIBUTES: &str = "dynamodb:Attributes";
/// Which attributes a read returns.
pub const SELECT: &str = "dynamodb:Select";

/// The members whose object keys are attribute names.
const NAME_MAPS: [&str; 7] = [
    "Key",
    "Item",
    "AttributeUpdates",
    "Expected",
    "KeyConditions",
    "QueryFilter",
    "ScanFilter",
];
/// The members that are expressions over attribute names.
const EXPRESSIONS: [&str; 5] = [
    "ProjectionExpression",
    "UpdateExpression",
    "ConditionExpression",
    "KeyConditionExpression",
    "FilterExpression",
];
/// The words of the expression grammar that are no attribute names.
const EXPRESSION_WORDS: [&str; 9] = [
    "AND", "OR", "NOT", "BETWEEN", "IN", "SET", "REMOVE", "ADD", "DELETE",
];

/// A table's name as a request gives it: its name, or its ARN.
fn table_name(given: &str) -> &str {
    if !given.starts_with("arn:") {
        return given;
    }
    table_of_arn(given).unwrap_or(given)
}

/// Whether a request object names `table` by its `TableName`.
fn names_table(request: &Value, table: &str) -> bool {
    request
        .get("TableName")
        .and_then(Value::as_str)
        .is_some_and(|given| table_name(given) == table)
}

/// The entry of a batch's `RequestItems` for `table` (keyed by name or ARN).
fn batch_entry<'b>(body: &'b Value, table: &str) -> Option<&'b Value> {
    body.get("RequestItems")?
        .as_object()?
        .iter()
        .find(|(given, _)| table_name(given) == table)
        .map(|(_, entry)| entry)
}

/// The objects of `operation`'s `body` that act on `table` as `action`
/// (`dynamodb:GetItem`): the body of a one-table call, a batch's entry or
/// each of its writes, each transaction item of that kind.
fn requests_on<'b>(operation: &str, action: &str, body: &'b Value, table: &str) -> Vec<&'b Value> {
    match operation {
        "GetItem" | "PutItem" | "UpdateItem" | "DeleteItem" | "Query" | "Scan" => {
            if names_table(body, table) {
                vec![body]
            } else {
                Vec::new()
            }
        }
        "BatchGetItem" => batch_entry(body, table).into_iter().collect(),
        "BatchWriteItem" => batch_entry(body, table)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|w| w.get("PutRequest").or_else(|| w.get("DeleteRequest")))
            .collect(),
        "TransactGetItems" | "TransactWriteItems" => {
            let kind = match action.strip_prefix("dynamodb:") {
                Some("GetItem") => "Get",
                Some("PutItem") => "Put",
                Some("UpdateItem") => "Update",
                Some("DeleteItem") => "Delete",
                Some("ConditionCheckItem") => "ConditionCheck",
                _ => return Vec::new(),
            };
            body.get("TransactItems")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|item| item.get(kind))
                .filter(|op| names_table(op, table))
                .collect()
        }
        _ => Vec::new(),
    }
}

/// The top-level attribute names an expression names: each path's first
/// element (`a.b[0]` names `a`), `#name` resolved with `names`; functions,
/// the grammar's words and `:values` are none. One pass over the text.
fn expression_names(expression: &str, names: Option<&Value>, out: &mut Vec<String>) {
    let bytes = expression.as_bytes();
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut i = 0;
    // The last character before the token that is not white space.
    let mut before = b' ';
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'#' || b == b':' || b.is_ascii_alphabetic() || b == b'_' {
            let start = i;
            i += 1;
            while i < bytes.len() && word(bytes[i]) {
                i += 1;
            }
            let token = &expression[start..i];
            let next = bytes[i..].iter().find(|c| !c.is_ascii_whitespace());
            let nested = before == b'.';
            let function = next == Some(&b'(');
            let grammar = EXPRESSION_WORDS
                .iter()
                .any(|w| w.eq_ignore_ascii_case(token));
            if b != b':' && !nested && !function && !grammar {
                let name = match token.strip_prefix('#') {
                    Some(_) => names.and_then(|n| n.get(token)).and_then(Value::as_str),
                    None => Some(token),
                };
                out.extend(name.map(str::to_owned));
            }
            before = b'a';
            continue;
        }
        if !b.is_ascii_whitespace() {
            before = b;
        }
        i += 1;
    }
}

/// The top-level attribute names one request object names.
fn request_names(request: &Value, out: &mut Vec<String>) {
    let keys = |v: Option<&Value>, out: &mut Vec<String>| {
        if let Some(map) = v.and_then(Value::as_object) {
            out.extend(map.keys().cloned());
        }
    };
    for member in NAME_MAPS {
        keys(request.get(member), out);
    }
    for key in request
        .get("Keys")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        keys(Some(key), out);
    }
    let listed = request.get("AttributesToGet").and_then(Value::as_array);
    out.extend(
        listed
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_owned),
    );
    let names = request.get("ExpressionAttributeNames");
    for member in EXPRESSIONS {
        if let Some(expression) = request.get(member).and_then(Value::as_str) {
            expression_names(expression, names, out);
        }
    }
}

/// The `Select` a read request makes: its own, or the API's default.
fn effective_select(request: &Value) -> &'static str {
    match request.get("Select").and_then(Value::as_str) {
        Some("ALL_ATTRIBUTES") => "ALL_ATTRIBUTES",
        Some("ALL_PROJECTED_ATTRIBUTES") => "ALL_PROJECTED_ATTRIBUTES",
        Some("COUNT") => "COUNT",
        Some("SPECIFIC_ATTRIBUTES") => "SPECIFIC_ATTRIBUTES",
        // No value DynamoDB takes: read as the widest, never as a narrow one.
        Some(_) => "ALL_ATTRIBUTES",
        None if request.get("ProjectionExpression").is_some()
            || request.get("AttributesToGet").is_some() =>
        {
            "SPECIFIC_ATTRIBUTES"
        }
        None if request.get("IndexName").is_some() => "ALL_PROJECTED_ATTRIBUTES",
        None => "ALL_ATTRIBUTES",
    }
}

/// `dynamodb:Attributes` and `dynamodb:Select` of a check of `action` on
/// `table` (by name) in `operation`'s request `body`: the attribute names,
/// sorted and once each, and for a read the attributes it returns. Where
/// several reads of one check differ (a transaction's), the widest is said,
/// so that a policy that wants specific attributes refuses it.
pub fn attribute_keys(
    operation: &str,
    action: &str,
    body: &Value,
    table: &str,
) -> (Option<Vec<String>>, Option<&'static str>) {
    let requests = requests_on(operation, action, body, table);
    let mut names = Vec::new();
    for request in &requests {
        request_names(request, &mut names);
    }
    names.sort();
    names.dedup();
    let select = requests
        .iter()
        .map(|r| effective_select(r))
        .max_by_key(|s| match *s {
            "ALL_ATTRIBUTES" => 3,
            "ALL_PROJECTED_ATTRIBUTES" => 2,
            "SPECIFIC_ATTRIBUTES" => 1,
            _ => 0,
        });
    ((!names.is_empty()).then_some(names), select)
}

/// A table's name in a DynamoDB resource ARN (`table/NAME[/index/I]`).
pub fn table_of_arn(arn: &str) -> Option<&str> {
    let rest = Arn::split(arn)?.resource.strip_prefix("table/")?;
    rest.split('/').next()
}

/// The checks of a DynamoDB request with each table's own attribute keys: a
/// check on several tables (a batch's) becomes one check per table, and each
/// check of an action that supports them gets `dynamodb:Attributes` and, for
/// a read that does not say it, `dynamodb:Select`.
pub(crate) fn per_table(
    data: &ServiceData,
    operation: &str,
    body: &Value,
    checks: Vec<Check>,
) -> Vec<Check> {
    let supports = |action: &str, key: &str| data.supports(action, key);
    let mut out = Vec::with_capacity(checks.len());
    for check in checks {
        if !supports(&check.action, ATTRIBUTES) {
            out.push(check);
            continue;
        }
        // A batch's tables in a stable order: the SDKs serialize them from
        // hash maps, and their order means nothing.
        let split: Vec<Check> = if check.resources.len() > 1 {
            let mut tables = check.resources.clone();
            tables.sort();
            tables.dedup();
            tables
                .iter()
                .map(|r| Check {
                    resources: vec![r.clone()],
                    ..check.clone()
                })
                .collect()
        } else {
            vec![check]
        };
        for mut one in split {
            let table = one.resources.first().and_then(|r| table_of_arn(r));
            if let Some(table) = table {
                let (names, select) = attribute_keys(operation, &one.action, body, table);
                if let Some(names) = names {
                    one.context.insert(ATTRIBUTES.to_owned(), names);
                }
                if let Some(select) = select
                    && supports(&one.action, SELECT)
                    && !one.context.contains_key(SELECT)
                {
                    one.context
                        .insert(SELECT.to_owned(), vec![select.to_owned()]);
                }
            }
            out.push(one);
        }
    }
    out
}

/// The most clauses of a key condition expression read (DynamoDB allows one
/// partition key condition and one sort key condition).
const MAX_CLAUSES: usize = 8;

/// An attribute value as a condition value: a string, a number or binary
/// (base64) as written; other types name no key.
fn text(value: &Value) -> Option<String> {
    let map = value.as_object()?;
    ["S", "N", "B"]
        .iter()
        .find_map(|t| map.get(*t).and_then(Value::as_str))
        .map(str::to_owned)
}

/// The partition key's value in an item or a key (`{"ATTR": {"S": "v"}}`).
fn key_value(item: &Value, partition_key: &str) -> Option<String> {
    text(item.get(partition_key)?)
}

/// The value a key condition sets the partition key to: `KeyConditionExpression`
/// (`#pk = :v AND ...`, names and values from `ExpressionAttributeNames` and
/// `ExpressionAttributeValues`), or the legacy `KeyConditions` (`EQ`).
fn key_condition(body: &Value, partition_key: &str) -> Option<String> {
    if let Some(expression) = body.get("KeyConditionExpression").and_then(Value::as_str) {
        let names = body.get("ExpressionAttributeNames");
        let values = body.get("ExpressionAttributeValues");
        let resolve = |token: &str| -> Option<String> {
            let token = token.trim().trim_matches(|c| c == '(' || c == ')').trim();
            match token.strip_prefix('#') {
                Some(_) => names?.get(token)?.as_str().map(str::to_owned),
                None => Some(token.to_owned()),
            }
        };
        for clause in expression
            .split(" AND ")
            .flat_map(|c| c.split(" and "))
            .take(MAX_CLAUSES)
        {
            let Some((left, right)) = clause.split_once('=') else {
                continue;
            };
            // `<=` and `>=` are sort key conditions.
            if left.ends_with(['<', '>']) || right.starts_with('=') {
                continue;
            }
            let (left, right) = (resolve(left), right.trim().trim_end_matches(')').trim());
            if left.as_deref() == Some(partition_key) && right.starts_with(':') {
                return text(values?.get(right)?);
            }
        }
        return None;
    }
    let condition = body.get("KeyConditions")?.get(partition_key)?;
    if condition.get("ComparisonOperator").and_then(Value::as_str) != Some("EQ") {
        return None;
    }
    text(condition.get("AttributeValueList")?.get(0)?)
}

/// The partition key values `operation`'s request `body` names for `table`
/// (by name), whose partition key is `partition_key`; `None` when the
/// operation names none (a Scan, a table's own settings).
pub fn leading_keys(
    operation: &str,
    body: &Value,
    table: &str,
    partition_key: &str,
) -> Option<Vec<String>> {
    let named = |v: &Value| names_table(v, table);
    let mut found: Vec<String> = Vec::new();
    match operation {
        "GetItem" | "DeleteItem" | "UpdateItem" if named(body) => {
            found.extend(key_value(body.get("Key")?, partition_key));
        }
        "PutItem" if named(body) => found.extend(key_value(body.get("Item")?, partition_key)),
        "Query" if named(body) => found.extend(key_condition(body, partition_key)),
        "BatchGetItem" => {
            let keys = batch_entry(body, table)?.get("Keys")?.as_array()?;
            found.extend(keys.iter().filter_map(|k| key_value(k, partition_key)));
        }
        "BatchWriteItem" => {
            let writes = batch_entry(body, table)?.as_array()?;
            found.extend(writes.iter().filter_map(|w| {
                let item = w
                    .get("PutRequest")
                    .and_then(|p| p.get("Item"))
                    .or_else(|| w.get("DeleteRequest").and_then(|d| d.get("Key")))?;
                key_value(item, partition_key)
            }));
        }
        "TransactGetItems" | "TransactWriteItems" => {
            let items = body.get("TransactItems")?.as_array()?;
            for item in items {
                let Some(op) = ["Get", "Put", "Update", "Delete", "ConditionCheck"]
                    .iter()
                    .find_map(|k| item.get(*k))
                    .filter(|op| named(op))
                else {
                    continue;
                };
                found.extend(
                    op.get("Key")
                        .or_else(|| op.get("Item"))
                        .and_then(|k| key_value(k, partition_key)),
                );
            }
        }
        _ => return None,
    }
    found.sort();
    found.dedup();
    (!found.is_empty()).then_some(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn each_operation_names_its_partition_keys() {
        let keys = |op: &str, body: Value| leading_keys(op, &body, "orders", "UserId");
        let user = |u: &str| json!({"UserId": {"S": u}, "OrderId": {"N": "7"}});
        assert_eq!(
            keys(
                "GetItem",
                json!({"TableName": "orders", "Key": user("alice")})
            ),
            Some(vec!["alice".to_owned()])
        );
        assert_eq!(
            keys(
                "GetItem",
                json!({"TableName": "other", "Key": user("alice")})
            ),
            None
        );
        assert_eq!(
            keys(
                "PutItem",
                json!({"TableName": "orders", "Item": user("bob")})
            ),
            Some(vec!["bob".to_owned()])
        );
        assert_eq!(
            keys(
                "Query",
                json!({"TableName": "orders",
                    "KeyConditionExpression": "#u = :u AND OrderId >= :o",
                    "ExpressionAttributeNames": {"#u": "UserId"},
                    "ExpressionAttributeValues": {":u": {"S": "carol"}, ":o": {"N": "1"}}})
            ),
            Some(vec!["carol".to_owned()])
        );
        // A sort key condition alone names no partition key.
        assert_eq!(
            keys(
                "Query",
                json!({"TableName": "orders", "KeyConditionExpression": "OrderId <= :o",
                    "ExpressionAttributeValues": {":o": {"N": "1"}}})
            ),
            None
        );
        assert_eq!(
            keys(
                "Query",
                json!({"TableName": "orders", "KeyConditions": {"UserId": {
                    "ComparisonOperator": "EQ", "AttributeValueList": [{"S": "dave"}]}}})
            ),
            Some(vec!["dave".to_owned()])
        );
        assert_eq!(
            keys(
                "BatchGetItem",
                json!({"RequestItems": {"orders": {"Keys": [user("bob"), user("alice")]},
                    "stock": {"Keys": [user("eve")]}}})
            ),
            Some(vec!["alice".to_owned(), "bob".to_owned()])
        );
        assert_eq!(
            keys(
                "BatchWriteItem",
                json!({"RequestItems": {"orders": [{"PutRequest": {"Item": user("a")}},
                    {"DeleteRequest": {"Key": user("b")}}]}})
            ),
            Some(vec!["a".to_owned(), "b".to_owned()])
        );
        assert_eq!(
            keys(
                "TransactWriteItems",
                json!({"TransactItems": [
                    {"Put": {"TableName": "orders", "Item": user("x")}},
                    {"Update": {"TableName": "stock", "Key": user("y")}},
                    {"ConditionCheck": {"TableName": "orders", "Key": user("z")}}]})
            ),
            Some(vec!["x".to_owned(), "z".to_owned()])
        );
        assert_eq!(keys("Scan", json!({"TableName": "orders"})), None);
    }

    #[test]
    fn expressions_name_their_top_level_attributes() {
        let mut out = Vec::new();
        let names = json!({"#s": "Status", "#n": "Name"});
        expression_names(
            "SET #s = :s, Counts.total = Counts.total + :one, Tags[0] = :t REMOVE Old ADD Visits :one",
            Some(&names),
            &mut out,
        );
        expression_names(
            "attribute_not_exists(Id) AND begins_with(#n, :p) OR size(Items) > :z AND Price BETWEEN :a AND :b",
            Some(&names),
            &mut out,
        );
        // Each path each time it is named: the caller sorts and dedups.
        assert_eq!(
            out,
            [
                "Status", "Counts", "Counts", "Tags", "Old", "Visits", "Id", "Name", "Items",
                "Price"
            ]
        );
        // A name no ExpressionAttributeNames gives is none.
        let mut none = Vec::new();
        expression_names("#missing = :v", None, &mut none);
        assert!(none.is_empty(), "{none:?}");
    }

    #[test]
    fn each_request_names_its_attributes_and_what_it_reads() {
        let keys =
            |op: &str, action: &str, body: Value| attribute_keys(op, action, &body, "orders");
        let names = |list: &[&str]| Some(list.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>());
        // A read with a projection: its key and projected names, specific.
        assert_eq!(
            keys(
                "GetItem",
                "dynamodb:GetItem",
                json!({"TableName": "orders", "Key": {"UserId": {"S": "a"}},
                    "ProjectionExpression": "TopScore, #d", "ExpressionAttributeNames": {"#d": "TopScoreDateTime"}})
            ),
            (
                names(&["TopScore", "TopScoreDateTime", "UserId"]),
                Some("SPECIFIC_ATTRIBUTES")
            )
        );
        // Without one it reads every attribute.
        assert_eq!(
            keys(
                "GetItem",
                "dynamodb:GetItem",
                json!({"TableName": "orders", "Key": {"UserId": {"S": "a"}}})
            ),
            (names(&["UserId"]), Some("ALL_ATTRIBUTES"))
        );
        // By ARN, on an index, with the legacy members.
        assert_eq!(
            keys(
                "Query",
                "dynamodb:Query",
                json!({"TableName": "arn:aws:dynamodb:eu-west-1:111122223333:table/orders", "IndexName": "byDate",
                    "KeyConditions": {"UserId": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "a"}]}},
                    "QueryFilter": {"Wins": {"ComparisonOperator": "GT", "AttributeValueList": [{"N": "1"}]}}})
            ),
            (names(&["UserId", "Wins"]), Some("ALL_PROJECTED_ATTRIBUTES"))
        );
        // A write names its item's attributes and its condition's.
        assert_eq!(
            keys(
                "PutItem",
                "dynamodb:PutItem",
                json!({"TableName": "orders", "Item": {"UserId": {"S": "a"}, "Secret": {"S": "s"}},
                    "ConditionExpression": "attribute_not_exists(UserId)"})
            ),
            (
                names(&["Secret", "UserId"]),
                None::<&str>.or(Some("ALL_ATTRIBUTES"))
            )
        );
        // Each table of a batch its own; a transaction's items of the check's kind.
        assert_eq!(
            keys(
                "BatchGetItem",
                "dynamodb:BatchGetItem",
                json!({"RequestItems": {"orders": {"Keys": [{"UserId": {"S": "a"}}], "AttributesToGet": ["Wins"]},
                    "stock": {"Keys": [{"Sku": {"S": "b"}}]}}})
            ),
            (names(&["UserId", "Wins"]), Some("SPECIFIC_ATTRIBUTES"))
        );
        assert_eq!(
            keys(
                "BatchWriteItem",
                "dynamodb:BatchWriteItem",
                json!({"RequestItems": {"orders": [{"PutRequest": {"Item": {"UserId": {"S": "a"}, "Note": {"S": "n"}}}},
                    {"DeleteRequest": {"Key": {"UserId": {"S": "b"}}}}]}})
            ).0,
            names(&["Note", "UserId"])
        );
        let transaction = json!({"TransactItems": [
            {"Put": {"TableName": "orders", "Item": {"UserId": {"S": "a"}, "Wins": {"N": "1"}}}},
            {"ConditionCheck": {"TableName": "orders", "Key": {"UserId": {"S": "a"}}, "ConditionExpression": "Losses < :l"}}]});
        assert_eq!(
            keys(
                "TransactWriteItems",
                "dynamodb:ConditionCheckItem",
                transaction.clone()
            )
            .0,
            names(&["Losses", "UserId"])
        );
        assert_eq!(
            keys("TransactWriteItems", "dynamodb:PutItem", transaction).0,
            names(&["UserId", "Wins"])
        );
        // Another table's request names nothing for this one.
        assert_eq!(
            keys(
                "GetItem",
                "dynamodb:GetItem",
                json!({"TableName": "stock", "Key": {"Sku": {"S": "b"}}})
            ),
            (None, None)
        );
    }
}
