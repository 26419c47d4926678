//! Reading passwords: from CAREERDESK_PASSWORD, standard input, or a hidden prompt.

use std::io::{BufRead, IsTerminal};

use crate::desk::DeskError;

/// The environment variable holding the acting operator's password.
pub const PASSWORD_ENV: &str = "CAREERDESK_PASSWORD";

/// The acting operator's password: CAREERDESK_PASSWORD, else a hidden prompt on a terminal.
pub fn acting_password(login: &str) -> Result<String, DeskError> {
    if let Ok(p) = std::env::var(PASSWORD_ENV) {
        return Ok(p);
    }
    if !std::io::stdin().is_terminal() {
        return Err(DeskError::Invalid(format!(
            "no password for {login}: set {PASSWORD_ENV} or run in a terminal to be asked"
        )));
    }
    rpassword::prompt_password(format!("Password for {login}: "))
        .map_err(|e| DeskError::Invalid(format!("could not read the password: {e}")))
}

/// A new password: one line of standard input when `from_stdin`, else asked twice on a terminal.
pub fn new_password(login: &str, from_stdin: bool) -> Result<String, DeskError> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| DeskError::Invalid(format!("could not read the password from standard input: {e}")))?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_string());
    }
    if !std::io::stdin().is_terminal() {
        return Err(DeskError::Invalid(format!(
            "no new password for {login}: pass --password-stdin and pipe it in, or run in a terminal to be asked"
        )));
    }
    let first = rpassword::prompt_password(format!("New password for {login}: "))
        .map_err(|e| DeskError::Invalid(format!("could not read the password: {e}")))?;
    let second = rpassword::prompt_password("Again: ")
        .map_err(|e| DeskError::Invalid(format!("could not read the password: {e}")))?;
    if first != second {
        return Err(DeskError::Invalid(
            "the two passwords differ; nothing was changed".into(),
        ));
    }
    Ok(first)
}
