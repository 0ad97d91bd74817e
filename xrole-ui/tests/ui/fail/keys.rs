use xrole::assume_role;

#[assume_role(rol_arn = "arn:aws:iam::222222222222:role/R", session_name = "a1", session_name = "a2")]
struct Clients {
    sts: aws_sdk_sts::Client,
}

// The item is still emitted: this compiles.
fn uses_clients(c: &Clients) -> &aws_sdk_sts::Client {
    &c.sts
}

fn main() {}
