//! The errors a policy file can have: one problem with its file, line and field, and all of
//! a file's problems together.

use std::fmt;

/// One problem in a policy file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct PolicyError {
    /// The file as named by the caller.
    pub file: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// Field path such as `appointment_types[1].allocation.count`; empty if none applies.
    pub field: String,
    /// What is wrong and, where possible, what is expected.
    pub message: String,
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if !self.field.is_empty() {
            write!(f, ": {}", self.field)?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Every problem found in a policy file, in line order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct PolicyErrors(pub Vec<PolicyError>);

impl fmt::Display for PolicyErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl PolicyErrors {
    /// The errors about one field path.
    pub fn for_field(&self, field: &str) -> Vec<&PolicyError> {
        self.0.iter().filter(|e| e.field == field).collect()
    }
}
