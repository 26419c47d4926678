//! The careerdesk binary: parse the command line and hand over to the library.

fn main() -> std::process::ExitCode {
    let code = careerdesk::cli::main();
    std::process::ExitCode::from(u8::try_from(code).unwrap_or(1))
}
