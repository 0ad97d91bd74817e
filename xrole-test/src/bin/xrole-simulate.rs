//! `xrole-simulate [FILE]`: evaluates AWS policy decisions, one JSON request per
//! line (from FILE or standard input), one JSON answer per line on standard output.
//! See `xrole_test::simulate` for the line format.
//!
//! Exit status: 0 when every line was evaluated; 1 when any line was answered with
//! an error (every other line is still answered) or the input could not be read; 2
//! for a usage error or a FILE that cannot be opened.

use std::io::{self, BufReader};
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let stdout = io::stdout().lock();
    let result = match args.as_slice() {
        [] => xrole_test::simulate::simulate(io::stdin().lock(), stdout),
        [flag] if flag == "-h" || flag == "--help" => {
            println!(
                "usage: xrole-simulate [FILE]\n\nReads JSON request lines (FILE or stdin) and writes one JSON decision per line.\nExit status: 0 all lines evaluated, 1 some line answered with an error, 2 usage."
            );
            return ExitCode::SUCCESS;
        }
        [path] => match std::fs::File::open(path) {
            Ok(f) => xrole_test::simulate::simulate(BufReader::new(f), stdout),
            Err(e) => {
                eprintln!("xrole-simulate: cannot read {path}: {e}");
                return ExitCode::from(2);
            }
        },
        _ => {
            eprintln!("usage: xrole-simulate [FILE]");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(summary) => {
            eprintln!(
                "xrole-simulate: {} evaluated, {} errors",
                summary.evaluated, summary.errors
            );
            if summary.errors == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(e) => {
            eprintln!("xrole-simulate: {e}");
            ExitCode::from(1)
        }
    }
}
