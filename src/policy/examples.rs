//! The example policies shipped with careerdesk, compiled into the binary. Each reproduces the
//! figures of one source policy (see POLICIES.md); `careerdesk` can write one out as a start.

/// A shipped example policy file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Example {
    /// Short kebab-case name, also the file stem under `assets/policies/`.
    pub name: &'static str,
    /// One line saying what distinguishes it.
    pub summary: &'static str,
    /// The TOML text.
    pub text: &'static str,
}

/// Every shipped example, the default (`standard`) first.
pub const EXAMPLES: &[Example] = &[
    Example {
        name: "standard",
        summary: "Data kept 6 years from the end of the academic year the course completes",
        text: include_str!("../../assets/policies/standard.toml"),
    },
    Example {
        name: "alumni-partnership",
        summary: "Records shared with alumni relations; data kept 3 years after the academic year",
        text: include_str!("../../assets/policies/alumni-partnership.toml"),
    },
    Example {
        name: "interview-notes-5y",
        summary: "Interview notes and minimal personal data kept 5 years after the course",
        text: include_str!("../../assets/policies/interview-notes-5y.toml"),
    },
];

/// The shipped example called `name`.
pub fn example(name: &str) -> Option<&'static Example> {
    EXAMPLES.iter().find(|e| e.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Policy;

    #[test]
    fn every_example_parses() {
        for e in EXAMPLES {
            if let Err(errors) = Policy::parse(e.text, e.name) {
                panic!("example {} does not parse:\n{errors}", e.name);
            }
        }
    }

    #[test]
    fn examples_are_found_by_name() {
        assert_eq!(example("standard").map(|e| e.name), Some("standard"));
        assert!(example("alumni-partnership").is_some());
        assert!(example("interview-notes-5y").is_some());
        assert!(example("nope").is_none());
    }

    #[test]
    fn example_names_are_unique() {
        for (i, a) in EXAMPLES.iter().enumerate() {
            assert!(EXAMPLES[i + 1..].iter().all(|b| b.name != a.name));
        }
    }
}
