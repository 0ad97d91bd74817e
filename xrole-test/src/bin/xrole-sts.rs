//! `xrole-sts --world world.json [--port N] [--region R]`: the embedded STS as a
//! standalone server on 127.0.0.1, for the AWS CLI, boto3 or any SDK.

use std::io::Write;
use std::process::ExitCode;

use xrole_test::sts::{EmbeddedSts, World};

const USAGE: &str = "usage: xrole-sts --world FILE [--port N] [--region REGION]

Serves STS (AssumeRole, GetCallerIdentity, GetSessionToken) on 127.0.0.1 for the
accounts, users and roles of a JSON world file, until SIGINT (Ctrl-C) or SIGTERM;
then prints the number of calls served.";

struct Args {
    world: String,
    port: u16,
    region: String,
}

fn parse_args() -> Result<Option<Args>, String> {
    let mut world = None;
    let mut port = 0;
    let mut region = "us-east-1".to_owned();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "-h" | "--help" => return Ok(None),
            "--world" => world = Some(value("--world")?),
            "--port" => {
                let v = value("--port")?;
                port = v
                    .parse()
                    .map_err(|_| format!("--port: not a port number: {v:?}"))?;
            }
            "--region" => region = value("--region")?,
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    let world = world.ok_or("--world is required")?;
    Ok(Some(Args {
        world,
        port,
        region,
    }))
}

/// Waits for Ctrl-C (SIGINT) or SIGTERM, the two ways a server is asked to stop.
async fn stop_signal() -> std::io::Result<&'static str> {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            r = tokio::signal::ctrl_c() => r.map(|()| "SIGINT"),
            _ = term.recv() => Ok("SIGTERM"),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await.map(|()| "Ctrl-C")
    }
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(Some(args)) => args,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("xrole-sts: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let text = match std::fs::read_to_string(&args.world) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("xrole-sts: cannot read {}: {e}", args.world);
            return ExitCode::from(2);
        }
    };
    let world = match World::from_json(&text) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("xrole-sts: {}: {e}", args.world);
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("xrole-sts: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    runtime.block_on(async move {
        let sts = match EmbeddedSts::builder(world)
            .port(args.port)
            .region(&args.region)
            .start()
            .await
        {
            Ok(s) => s,
            Err(e) => {
                eprintln!("xrole-sts: {e}");
                return ExitCode::from(1);
            }
        };
        // Whoever started the server may stop reading its output: a closed stdout
        // must not stop the server, so write errors are ignored.
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "xrole-sts listening on {}", sts.url());
        let _ = writeln!(
            out,
            "  export AWS_ENDPOINT_URL_STS={} AWS_REGION={} AWS_DEFAULT_REGION={}",
            sts.url(),
            args.region,
            args.region
        );
        for user in sts.update_world(|w| w.users().map(|u| u.arn().to_string()).collect::<Vec<_>>())
        {
            if let Ok(c) = sts.credentials_for(&user) {
                let _ = writeln!(out, "  {user}: access key {}", c.access_key_id());
            }
        }
        let _ = out.flush();
        drop(out);
        match stop_signal().await {
            Ok(signal) => {
                eprintln!("xrole-sts: stopped by {signal} ({} calls)", sts.calls());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("xrole-sts: {e}");
                ExitCode::from(1)
            }
        }
    })
}
