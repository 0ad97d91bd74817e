use xrole::{Error, assume_role};

#[assume_role(arn = "arn:aws:iam::222222222222:role/R")]
enum NotAStruct {
    A,
}

#[assume_role(arn = "arn:aws:iam::222222222222:role/R")]
fn not_async(#[role] sts: aws_sdk_sts::Client) -> Result<(), Error> {
    let _ = sts;
    Ok(())
}

#[assume_role(arn = "arn:aws:iam::222222222222:role/R")]
async fn no_result(#[role] sts: aws_sdk_sts::Client) {
    let _ = sts;
}

#[assume_role(arn = "arn:aws:iam::222222222222:role/R")]
struct Tuple(aws_sdk_sts::Client);

#[assume_role(session_name = "missing-arn")]
struct NoArn {
    sts: aws_sdk_sts::Client,
}

fn main() {}
