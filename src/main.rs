//! The careerdesk binary: parse the command line and hand over to the library.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = careerdesk::cli::Cli::parse();
    let code = careerdesk::cli::run(cli);
    std::process::ExitCode::from(u8::try_from(code).unwrap_or(1))
}
