//! DynamoDB's `dynamodb:LeadingKeys`: the partition key values a request names
//! for one table (DynamoDB developer guide, "Using IAM policy conditions for
//! fine-grained access control"). Which attribute is the partition key is the
//! table's schema, not the request's: the caller gives it (the world's table).

use serde_json::Value;

/// The condition key.
pub const LEADING_KEYS: &str = "dynamodb:LeadingKeys";

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
    let named = |v: &Value| v.get("TableName").and_then(Value::as_str) == Some(table);
    let mut found: Vec<String> = Vec::new();
    match operation {
        "GetItem" | "DeleteItem" | "UpdateItem" if named(body) => {
            found.extend(key_value(body.get("Key")?, partition_key));
        }
        "PutItem" if named(body) => found.extend(key_value(body.get("Item")?, partition_key)),
        "Query" if named(body) => found.extend(key_condition(body, partition_key)),
        "BatchGetItem" => {
            let keys = body
                .get("RequestItems")?
                .get(table)?
                .get("Keys")?
                .as_array()?;
            found.extend(keys.iter().filter_map(|k| key_value(k, partition_key)));
        }
        "BatchWriteItem" => {
            let writes = body.get("RequestItems")?.get(table)?.as_array()?;
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
}
