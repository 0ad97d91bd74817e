use xrole::assume_role;

#[assume_role(
    arn = "arn:aws:iam::222222222222:role/R",
    chained = true,
    duration = "2h",
    tags(Project = "Unicorn", project = "x"),
    transitive_tag_keys("Owner"),
    mfa_token = || async { "123456".parse::<xrole::TokenCode>().map_err(|e| e.to_string()) },
)]
struct Clients {
    sts: aws_sdk_sts::Client,
}

fn main() {}
