//! The policy validator's unit tests.

use super::checker::is_kebab;
use super::toml_errors::field_on_line;
use super::*;

#[test]
fn kebab_ids() {
    assert!(is_kebab("drop-in"));
    assert!(is_kebab("room-2"));
    for bad in ["", "Drop-in", "drop_in", "drop in", "-x", "x-"] {
        assert!(!is_kebab(bad), "{bad}");
    }
}

#[test]
fn field_guessed_from_a_broken_line() {
    let text = "[a]\nx = 1\n[[b.c]]\ny = = 2\n";
    assert_eq!(field_on_line(text, 2), "a.x");
    assert_eq!(field_on_line(text, 4), "b.c.y");
    assert_eq!(field_on_line(text, 3), "");
}

#[test]
fn error_display_omits_unknown_parts() {
    let mut e = PolicyError {
        file: "p.toml".into(),
        line: Some(3),
        field: "retention.years".into(),
        message: "bad".into(),
    };
    assert_eq!(e.to_string(), "p.toml:3: retention.years: bad");
    e.line = None;
    assert_eq!(e.to_string(), "p.toml: retention.years: bad");
    e.field.clear();
    assert_eq!(e.to_string(), "p.toml: bad");
    let all = PolicyErrors(vec![e.clone(), e]);
    assert_eq!(all.to_string(), "p.toml: bad\np.toml: bad");
}
