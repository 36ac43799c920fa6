//! `wpf-sandbox`: serves the CRM fakes (Customer.io, Customerly) until killed.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use wpf_sandbox::{Options, Sandbox};

const USAGE: &str = "\
usage: wpf-sandbox [--listen ADDR] [--empty] [--log FILE]

A local fake of Customer.io's App and Track APIs and of Customerly's API.

  --listen ADDR   address to listen on (default 127.0.0.1:8090; port 0 picks a free port)
  --empty         start with no data in any CRM instead of the default seed
  --log FILE      append each recorded API request to FILE as one JSON line, once answered
  -h, --help      show this help

Once ready it prints `wpf-sandbox listening on http://IP:PORT` and serves until killed.
  App API:     /customerio/{us,eu}/app/v1        Authorization: Bearer sandbox-app-key
  Track API:   /customerio/{us,eu}/track/api/v1  Basic sandbox-site-id:sandbox-track-key
  Customerly:  /customerly/v1                    Authorization: Bearer sandbox-customerly-token
                                                 (or Authentication: AccessToken: sandbox-customerly-token)
  Control API: /_sandbox/{health,reset,people,segments,faults,latency,config,requests}
               /_sandbox/customerly/contacts
               POST /_sandbox/webhooks  send a site a webhook signed as Customer.io or Standard Webhooks";

/// Parsed command line.
#[derive(Debug)]
struct Args {
    listen: String,
    options: Options,
}

/// `Ok(None)` when help was asked for.
fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let mut parsed = Args { listen: "127.0.0.1:8090".to_owned(), options: Options::default() };
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag.to_owned(), Some(value.to_owned())),
            _ => (arg, None),
        };
        let mut value = |name: &str| inline.clone().or_else(|| args.next()).ok_or(format!("{name} needs a value"));
        match flag.as_str() {
            "--listen" => parsed.listen = value("--listen")?,
            "--log" => parsed.options.log_file = Some(PathBuf::from(value("--log")?)),
            "--empty" if inline.is_none() => parsed.options.empty = true,
            "-h" | "--help" => return Ok(None),
            other => return Err(format!("unexpected argument {other:?}")),
        }
    }
    Ok(Some(parsed))
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(Some(args)) => args,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("wpf-sandbox: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let sandbox = match Sandbox::start_with(&args.listen, &args.options) {
        Ok(sandbox) => sandbox,
        Err(e) => {
            eprintln!("wpf-sandbox: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut stdout = std::io::stdout().lock();
    if writeln!(stdout, "wpf-sandbox listening on {}", sandbox.url()).and_then(|()| stdout.flush()).is_err() {
        eprintln!("wpf-sandbox: cannot write to stdout");
        return ExitCode::FAILURE;
    }
    drop(stdout);
    // Serve until killed; the server runs on its own threads.
    loop {
        std::thread::park();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Option<Args>, String> {
        parse_args(args.iter().map(|a| (*a).to_owned()))
    }

    #[test]
    fn defaults_and_flags() {
        let args = parse(&[]).unwrap().unwrap();
        assert_eq!(args.listen, "127.0.0.1:8090");
        assert!(!args.options.empty && args.options.log_file.is_none());
        let args = parse(&["--listen", "127.0.0.1:0", "--empty", "--log=/tmp/x.jsonl"]).unwrap().unwrap();
        assert_eq!(args.listen, "127.0.0.1:0");
        assert!(args.options.empty);
        assert_eq!(args.options.log_file, Some(PathBuf::from("/tmp/x.jsonl")));
        assert!(parse(&["--help"]).unwrap().is_none());
    }

    #[test]
    fn bad_arguments_are_refused() {
        assert!(parse(&["--listen"]).unwrap_err().contains("needs a value"));
        assert!(parse(&["--bogus"]).unwrap_err().contains("--bogus"));
        assert!(parse(&["--empty=yes"]).is_err());
    }
}
