use xrole::assume_role;

#[assume_role(
    arn = "arn:aws:iam::22222222222:role/CrossAccountAccessRole",
    session_name = "dev session",
    external_id = "x",
    duration = "13h",
    region = "mars-1",
    trusted = ["arn:aws:iam::*:root"],
    allow(actions = ["s3 GetObject"], resources = ["bucket"]),
)]
struct Clients {
    sts: aws_sdk_sts::Client,
}

fn main() {}
