use xrole::assume_role;

// AssumeRoleWithWebIdentity cannot carry these: one error, on `web_identity`.
#[assume_role(
    arn = "arn:aws:iam::222222222222:role/R",
    external_id = "ext-12345678",
    tags(Team = "a"),
    web_identity = env("AWS_WEB_IDENTITY_TOKEN_FILE"),
)]
struct Clients {
    sts: aws_sdk_sts::Client,
}

// Not chained: the token is the source.
#[assume_role(arn = "arn:aws:iam::222222222222:role/R", chained = true, web_identity = env("F"))]
struct Chained {
    sts: aws_sdk_sts::Client,
}

// A literal names no source.
#[assume_role(arn = "arn:aws:iam::222222222222:role/R", web_identity = "/var/run/token")]
struct Literal {
    sts: aws_sdk_sts::Client,
}

fn main() {}
