//! Keymaps: the shipped maps, user maps over them, errors with file and line, lookup rules.

use std::path::Path;

use careerdesk::ui::command::{Command, Context};
use careerdesk::ui::keymap::{Base, KeyChord, KeySeq, Keymap, KeymapError};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn ch(c: char) -> KeyEvent {
    key(KeyCode::Char(c))
}

fn ctrl(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
}

fn chord(s: &str) -> KeyChord {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn write_user(dir: &Path, text: &str) {
    std::fs::write(dir.join("keymap.toml"), text).expect("write keymap.toml");
}

fn same_bindings(a: &Keymap, b: &Keymap) -> bool {
    Context::ALL
        .iter()
        .all(|&ctx| Command::ALL.iter().all(|&c| a.keys_for(ctx, c) == b.keys_for(ctx, c)))
}

#[test]
fn shipped_maps_bind_every_command_in_its_context() {
    for base in [Base::Default, Base::Vim] {
        let map = Keymap::builtin(base);
        for &c in Command::ALL {
            assert!(
                !map.keys_for(c.context(), c).is_empty(),
                "{base:?}: `{}` has no key in [{}] or [global]",
                c.name(),
                c.context().section()
            );
        }
    }
}

#[test]
fn default_map_has_the_desk_keys() {
    let map = Keymap::builtin(Base::Default);
    let text = |ctx, c| map.keys_text(ctx, c);
    assert_eq!(text(Context::Global, Command::Palette), "ctrl-p, :");
    assert_eq!(text(Context::Global, Command::ShowCalendar), "f2, 1");
    assert_eq!(text(Context::Global, Command::ShowQueue), "f7, 6");
    assert_eq!(text(Context::Global, Command::PrevPane), "shift-tab");
    assert_eq!(text(Context::Triage, Command::Waive), "W");
    assert_eq!(text(Context::Employers, Command::FilterTags), "#");
    assert_eq!(map.lookup(Context::Clients, &ch('b'), false), Some(Command::Book));
    assert_eq!(map.lookup(Context::Calendar, &ch('b'), false), Some(Command::BookSlot));
    assert_eq!(
        map.lookup(Context::Calendar, &key(KeyCode::F(2)), false),
        Some(Command::ShowCalendar)
    );
    assert_eq!(
        map.lookup(Context::Queue, &key(KeyCode::BackTab), false),
        Some(Command::PrevPane)
    );
    let shift_tab = KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT);
    assert_eq!(map.lookup(Context::Queue, &shift_tab, false), Some(Command::PrevPane));
    assert_eq!(map.lookup(Context::Notes, &ch('?'), false), Some(Command::Help));
    let shifted_question = KeyEvent::new(KeyCode::Char('?'), KeyModifiers::SHIFT);
    assert_eq!(
        map.lookup(Context::Notes, &shifted_question, false),
        Some(Command::Help)
    );
    let release = KeyEvent::new_with_kind(KeyCode::Char('q'), KeyModifiers::NONE, KeyEventKind::Release);
    assert_eq!(map.lookup(Context::Global, &release, false), None);
}

#[test]
fn user_file_unbinds_and_rebinds() {
    let user = "# my keys\n[global]\n\"q\" = \"none\"\n\"x\" = \"quit\"\n";
    let map = Keymap::parse_over(&Keymap::builtin(Base::Default), user, "keymap.toml").expect("valid user map");
    assert_eq!(map.lookup(Context::Calendar, &ch('q'), false), None);
    assert_eq!(map.lookup(Context::Calendar, &ch('x'), false), Some(Command::Quit));
    // The pane's own binding of x still wins there.
    assert_eq!(
        map.lookup(Context::Clients, &ch('x'), false),
        Some(Command::CancelBooking)
    );
    assert_eq!(
        map.keys_for(Context::Global, Command::Quit),
        vec![KeySeq::from(chord("x"))]
    );
    // Everything else is untouched.
    assert_eq!(map.lookup(Context::Global, &ctrl('p'), false), Some(Command::Palette));

    // Through load_user as well.
    let dir = tempfile::tempdir().expect("temp dir");
    write_user(dir.path(), user);
    let (loaded, err) = Keymap::load_user(dir.path());
    assert!(err.is_none(), "{err:?}");
    assert_eq!(loaded.lookup(Context::Global, &ch('x'), false), Some(Command::Quit));
    assert_eq!(loaded.lookup(Context::Global, &ch('q'), false), None);
}

#[test]
fn missing_user_file_gives_the_defaults() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (map, err) = Keymap::load_user(dir.path());
    assert!(err.is_none());
    assert!(same_bindings(&map, &Keymap::builtin(Base::Default)));
}

/// Loads `text` as the user's file and checks the error names file, line and key, and that the
/// defaults are used.
fn assert_user_error(text: &str, line: usize, section: &str, key: &str, says: &str) -> KeymapError {
    let dir = tempfile::tempdir().expect("temp dir");
    write_user(dir.path(), text);
    let (map, err) = Keymap::load_user(dir.path());
    let err = err.unwrap_or_else(|| panic!("no error for {text:?}"));
    assert!(
        same_bindings(&map, &Keymap::builtin(Base::Default)),
        "defaults after an error"
    );
    assert!(err.file.ends_with("keymap.toml"), "{err}");
    assert_eq!(err.line, Some(line), "{err}");
    assert_eq!(err.section, section, "{err}");
    assert_eq!(err.key, key, "{err}");
    let shown = err.to_string();
    assert!(shown.contains(&format!("keymap.toml:{line}: ")), "{shown}");
    match (section.is_empty(), key.is_empty()) {
        (false, false) => assert!(shown.contains(&format!(": [{section}] {key}: ")), "{shown}"),
        (false, true) => assert!(shown.contains(&format!(": [{section}] ")), "{shown}"),
        (true, false) => assert!(shown.contains(&format!(": {key}: ")), "{shown}"),
        (true, true) => {}
    }
    assert!(shown.contains(says), "{shown}");
    err
}

#[test]
fn bad_chord_is_an_error_with_line_and_key() {
    assert_user_error(
        "[global]\n\"x\" = \"quit\"\n\"ctrl-shift-pp\" = \"quit\"\n",
        3,
        "global",
        "ctrl-shift-pp",
        "unknown key",
    );
}

#[test]
fn unknown_command_is_an_error_with_line_and_key() {
    assert_user_error(
        "\n[calendar]\n\"t\" = \"today\"\n",
        3,
        "calendar",
        "t",
        "unknown command `today`",
    );
}

#[test]
fn unknown_section_is_an_error_with_line() {
    assert_user_error(
        "[global]\n\"x\" = \"quit\"\n\n[calender]\n\"t\" = \"calendar-today\"\n",
        4,
        "calender",
        "",
        "unknown section",
    );
}

#[test]
fn wrong_context_command_is_an_error_with_line_and_key() {
    let err = assert_user_error(
        "[calendar]\n\"x\" = \"cancel-booking\"\n",
        2,
        "calendar",
        "x",
        "[clients]",
    );
    assert!(err.to_string().starts_with(&err.file));
    // Global commands may be bound in any section.
    let map = Keymap::parse_over(&Keymap::builtin(Base::Default), "[calendar]\n\"k\" = \"up\"\n", "k").expect("ok");
    assert_eq!(map.lookup(Context::Calendar, &ch('k'), false), Some(Command::Up));
    assert_eq!(map.lookup(Context::Clients, &ch('k'), false), None);
}

#[test]
fn other_user_file_errors_fall_back_to_defaults() {
    assert_user_error("[global]\n\"q\" = 3\n", 2, "global", "q", "command name in quotes");
    assert_user_error("base = \"emacs\"\n", 1, "", "base", "\"vim\"");
    assert_user_error(
        "[global]\n\"A\" = \"quit\"\n\"shift-a\" = \"help\"\n",
        3,
        "global",
        "shift-a",
        "same key",
    );
    // A syntax error has a line but no key.
    let dir = tempfile::tempdir().expect("temp dir");
    write_user(dir.path(), "[global]\n\"q\" = quit\n");
    let (_, err) = Keymap::load_user(dir.path());
    let err = err.expect("syntax error");
    assert_eq!(err.line, Some(2), "{err}");
}

#[test]
fn base_vim_starts_from_the_vim_map() {
    let dir = tempfile::tempdir().expect("temp dir");
    write_user(dir.path(), "base = \"vim\"\n\n[clients]\n\"B\" = \"book\"\n");
    let (map, err) = Keymap::load_user(dir.path());
    assert!(err.is_none(), "{err:?}");
    assert_eq!(map.lookup(Context::Clients, &ch('j'), false), Some(Command::Down));
    assert_eq!(map.lookup(Context::Clients, &ch('G'), false), Some(Command::Last));
    assert_eq!(map.lookup(Context::Clients, &ctrl('d'), false), Some(Command::PageDown));
    assert_eq!(map.keys_text(Context::Clients, Command::Book), "b, B");
    // The default map has no j.
    assert_eq!(
        Keymap::builtin(Base::Default).lookup(Context::Clients, &ch('j'), false),
        None
    );
}

#[test]
fn typing_leaves_plain_characters_to_the_text_field() {
    let map = Keymap::builtin(Base::Default);
    assert_eq!(map.lookup(Context::Notes, &ch('w'), false), Some(Command::WriteNote));
    assert_eq!(map.lookup(Context::Notes, &ch('w'), true), None);
    assert_eq!(map.lookup(Context::Notes, &ch('q'), true), None);
    assert_eq!(map.lookup(Context::Notes, &ch('W'), true), None);
    assert_eq!(map.lookup(Context::Notes, &ch('1'), true), None);
    assert_eq!(map.lookup(Context::Notes, &ctrl('s'), true), Some(Command::SaveNote));
    assert_eq!(
        map.lookup(Context::Notes, &key(KeyCode::Esc), true),
        Some(Command::Back)
    );
    assert_eq!(
        map.lookup(Context::Notes, &key(KeyCode::F(3)), true),
        Some(Command::ShowClients)
    );
}

#[test]
fn help_rows_list_the_context_before_global() {
    let map = Keymap::builtin(Base::Default);
    let rows = map.help_rows(Context::Queue);
    let first_global = rows
        .iter()
        .position(|r| r.context == Context::Global)
        .expect("global rows");
    assert!(first_global > 0);
    assert!(rows[..first_global].iter().all(|r| r.context == Context::Queue));
    assert!(rows[first_global..].iter().all(|r| r.context == Context::Global));
    let names: Vec<&str> = rows[..first_global].iter().map(|r| r.name).collect();
    assert_eq!(names, ["queue-next", "queue-done", "queue-check-in"]);
    let palette = rows.iter().find(|r| r.name == "palette").expect("palette row");
    assert_eq!(palette.keys, "ctrl-p, :");
    assert_eq!(palette.description, Command::Palette.description());
    // Global help has only global rows.
    assert!(map
        .help_rows(Context::Global)
        .iter()
        .all(|r| r.context == Context::Global));
}

#[test]
fn chords_round_trip_and_normalise() {
    for text in [
        "ctrl-p",
        "shift-tab",
        "A",
        "f2",
        "?",
        "/",
        "#",
        ":",
        "1",
        "enter",
        "esc",
        "space",
        "pagedown",
        "alt-x",
        "ctrl-A",
    ] {
        assert_eq!(chord(text).to_string(), text);
    }
    assert_eq!(chord("shift-a"), chord("A"));
    assert_eq!(chord("shift-a").to_string(), "A");
    assert_eq!(chord("Enter"), chord("enter"));
    let upper_no_shift = KeyChord::from_event(&ch('A'));
    let upper_shift = KeyChord::from_event(&KeyEvent::new(KeyCode::Char('A'), KeyModifiers::SHIFT));
    assert_eq!(upper_no_shift, chord("A"));
    assert_eq!(upper_shift, chord("shift-a"));
    assert_ne!(chord("a"), chord("A"));
    let map = Keymap::builtin(Base::Default);
    assert_eq!(map.lookup(Context::Triage, &ch('W'), false), Some(Command::Waive));
    let shifted = KeyEvent::new(KeyCode::Char('W'), KeyModifiers::SHIFT);
    assert_eq!(map.lookup(Context::Triage, &shifted, false), Some(Command::Waive));
    assert_eq!(map.lookup(Context::Triage, &ch('w'), false), None);
    assert!(chord("x").is_plain_text());
    assert!(!chord("ctrl-x").is_plain_text());
}

#[test]
fn a_user_sequence_replaces_the_shipped_key_it_starts_with() {
    use careerdesk::ui::keymap::Resolved;
    // vim.toml binds `g` to first; a user's `g g` takes its place.
    let map = Keymap::parse_user("base = \"vim\"\n[global]\n\"g g\" = \"first\"\n", "keymap.toml").expect("valid");
    let mut pending = Vec::new();
    assert_eq!(
        map.resolve(Context::Clients, &mut pending, &ch('g'), false),
        Resolved::Pending
    );
    assert_eq!(pending, vec![chord("g")]);
    assert_eq!(
        map.resolve(Context::Clients, &mut pending, &ch('g'), false),
        Resolved::Run(Command::First)
    );
    assert!(pending.is_empty());
    assert_eq!(map.keys_text(Context::Clients, Command::First), "g g");
    // The rest of the vim map is untouched, and a key completing nothing runs on its own.
    map.resolve(Context::Clients, &mut pending, &ch('g'), false);
    assert_eq!(
        map.resolve(Context::Clients, &mut pending, &ch('j'), false),
        Resolved::Run(Command::Down)
    );
    // A pane's own `g` (the calendar's, in the default map) still wins there.
    let map = Keymap::parse_user("[global]\n\"g g\" = \"first\"\n", "keymap.toml").expect("valid");
    assert_eq!(
        map.lookup(Context::Calendar, &ch('g'), false),
        Some(Command::CalendarGoto)
    );
    assert_eq!(map.lookup(Context::Clients, &ch('g'), false), None);
}

#[test]
fn one_file_may_not_bind_a_key_and_a_sequence_starting_with_it() {
    assert_user_error(
        "[global]\n\"x\" = \"quit\"\n\"x y\" = \"help\"\n",
        3,
        "global",
        "x y",
        "overlaps `x` on line 2",
    );
    assert_user_error(
        "[global]\n\"a b c d e\" = \"help\"\n",
        2,
        "global",
        "a b c d e",
        "at most 4 keys",
    );
}
