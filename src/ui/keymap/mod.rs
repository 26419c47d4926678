//! Keymaps: which key runs which [`Command`] in which [`Context`].
//!
//! A keymap file has one table per context section (`[global]`, `[calendar]`, ..., `[help]`,
//! `[palette]`, `[form]`), whose keys are chords (see [`KeyChord`]) or chords pressed in turn
//! (`"g g"`, see [`KeySeq`]) and whose values are command names, or `"none"` to unbind.
//! `keymaps/default.toml` is compiled in; a user's `keymap.toml` in the config directory is read
//! over it (or over `keymaps/vim.toml` with `base = "vim"`), replacing and adding bindings. The
//! help overlay, the command bar and the palette all read the one resulting keymap.

mod chord;

use std::collections::HashMap;
use std::path::Path;
use std::sync::OnceLock;

use crossterm::event::{KeyEvent, KeyEventKind};
use toml_edit::{ImDocument, Item, TableLike};

use crate::policy::locate::line_of_offset;
use crate::ui::command::{Command, Context};

pub use chord::{ChordError, KeyChord, KeySeq, MAX_SEQ};

/// The shipped default keymap text.
pub const DEFAULT_TOML: &str = include_str!("../../../keymaps/default.toml");
/// The shipped vim-style keymap text.
pub const VIM_TOML: &str = include_str!("../../../keymaps/vim.toml");

/// The value that removes a binding.
const UNBIND: &str = "none";

/// Which shipped keymap a user's file starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Base {
    /// `keymaps/default.toml`: arrows, function keys and single letters.
    #[default]
    Default,
    /// `keymaps/vim.toml`: hjkl movement.
    Vim,
}

impl Base {
    /// The name used in `base = "..."`.
    pub fn name(self) -> &'static str {
        match self {
            Base::Default => "default",
            Base::Vim => "vim",
        }
    }

    /// The base with this name.
    pub fn from_name(name: &str) -> Option<Base> {
        [Base::Default, Base::Vim].into_iter().find(|b| b.name() == name)
    }

    fn text(self) -> &'static str {
        match self {
            Base::Default => DEFAULT_TOML,
            Base::Vim => VIM_TOML,
        }
    }

    fn source(self) -> &'static str {
        match self {
            Base::Default => "keymaps/default.toml",
            Base::Vim => "keymaps/vim.toml",
        }
    }
}

/// A keymap file that could not be used: where and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.describe())]
pub struct KeymapError {
    /// The file, as shown to the person.
    pub file: String,
    /// The 1-based line, when known.
    pub line: Option<usize>,
    /// The section (`global`, `calendar`, ...), empty for top-level problems.
    pub section: String,
    /// The key (chord text or top-level key) the problem is about; may be empty.
    pub key: String,
    /// What is wrong, for a person.
    pub message: String,
}

impl KeymapError {
    /// `{file}:{line}: [{section}] {key}: {message}`, leaving out the parts that are unknown.
    fn describe(&self) -> String {
        let mut out = self.file.clone();
        if let Some(line) = self.line {
            out.push_str(&format!(":{line}"));
        }
        out.push_str(": ");
        if !self.section.is_empty() {
            out.push_str(&format!("[{}] ", self.section));
        }
        if !self.key.is_empty() {
            out.push_str(&format!("{}: ", self.key));
        }
        out.push_str(&self.message);
        out
    }
}

/// One line of the help overlay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelpRow {
    /// The keys that run the command here, e.g. `ctrl-p, :` (empty: palette only).
    pub keys: String,
    /// The command's name.
    pub name: &'static str,
    /// The command's description.
    pub description: &'static str,
    /// The command's own context (its help group).
    pub context: Context,
}

/// The bindings of one section, in file order. `None` unbinds the keys here, hiding any
/// global binding of them.
#[derive(Debug, Clone, Default)]
struct Section {
    entries: Vec<(KeySeq, Option<Command>)>,
}

/// What a sequence of keys means in one section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Found {
    /// A binding of exactly these keys (`None`: unbound here).
    Exact(Option<Command>),
    /// The start of a longer binding: wait for the next key.
    Prefix,
    /// Nothing.
    Nothing,
}

impl Section {
    fn get(&self, seq: &KeySeq) -> Option<Option<Command>> {
        self.entries.iter().find(|(c, _)| c == seq).map(|(_, cmd)| *cmd)
    }

    fn find(&self, seq: &KeySeq) -> Found {
        if let Some(Some(cmd)) = self.get(seq) {
            return Found::Exact(Some(cmd));
        }
        if self.entries.iter().any(|(k, c)| c.is_some() && seq.is_prefix_of(k)) {
            return Found::Prefix;
        }
        match self.get(seq) {
            Some(None) => Found::Exact(None),
            _ => Found::Nothing,
        }
    }

    fn set(&mut self, seq: KeySeq, cmd: Option<Command>) {
        match self.entries.iter_mut().find(|(c, _)| *c == seq) {
            Some(entry) => entry.1 = cmd,
            None => self.entries.push((seq, cmd)),
        }
    }

    fn remove(&mut self, seq: &KeySeq) {
        self.entries.retain(|(c, _)| c != seq);
    }

    /// Bindings that would hide `seq` or be hidden by it: a shorter one it starts with, or a
    /// longer one starting with it.
    fn overlapping(&self, seq: &KeySeq) -> Vec<KeySeq> {
        self.entries
            .iter()
            .filter(|(k, c)| c.is_some() && (k.is_prefix_of(seq) || seq.is_prefix_of(k)))
            .map(|(k, _)| k.clone())
            .collect()
    }
}

/// What a key press means, given the keys pressed before it that started a longer binding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolved {
    /// Run this command.
    Run(Command),
    /// The keys so far start a longer binding: wait for the next.
    Pending,
    /// No binding: the key goes to the text field, if any.
    Unbound,
}

/// Key bindings for every context. `Keymap::default()` binds nothing; see [`Keymap::builtin`].
#[derive(Debug, Clone, Default)]
pub struct Keymap {
    sections: [Section; Context::ALL.len()],
}

impl Keymap {
    /// A shipped keymap. The files are compiled in and tested, so this cannot fail at run time.
    pub fn builtin(base: Base) -> Keymap {
        static DEFAULT: OnceLock<Keymap> = OnceLock::new();
        static VIM: OnceLock<Keymap> = OnceLock::new();
        let cell = match base {
            Base::Default => &DEFAULT,
            Base::Vim => &VIM,
        };
        cell.get_or_init(|| {
            Keymap::parse_over(&Keymap::default(), base.text(), base.source())
                .unwrap_or_else(|e| panic!("the shipped keymap is invalid: {e}"))
        })
        .clone()
    }

    /// `base` with the bindings of `text` (named `source` in errors) read over it: a chord bound
    /// in a section replaces that chord's binding there; `"none"` unbinds it. A top-level
    /// `base = "..."` is checked but otherwise ignored here (see [`Keymap::parse_user`]).
    pub fn parse_over(base: &Keymap, text: &str, source: &str) -> Result<Keymap, KeymapError> {
        let doc = parse_doc(text, source)?;
        let mut map = base.clone();
        apply(&mut map, &doc, text, source)?;
        Ok(map)
    }

    /// A user's keymap text read over the shipped map its `base` names (default if absent).
    pub fn parse_user(text: &str, source: &str) -> Result<Keymap, KeymapError> {
        let doc = parse_doc(text, source)?;
        let base = base_of(&doc, text, source)?;
        let mut map = Keymap::builtin(base);
        apply(&mut map, &doc, text, source)?;
        Ok(map)
    }

    /// Reads `config_dir/keymap.toml` if it exists. On any error the shipped default keymap is
    /// returned with the error, so the desk keeps working and can show what is wrong.
    pub fn load_user(config_dir: &Path) -> (Keymap, Option<KeymapError>) {
        let path = config_dir.join("keymap.toml");
        let source = path.display().to_string();
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return (Keymap::builtin(Base::Default), None),
            Err(e) => {
                let err = KeymapError {
                    file: source,
                    line: None,
                    section: String::new(),
                    key: String::new(),
                    message: format!("cannot be read: {e}"),
                };
                return (Keymap::builtin(Base::Default), Some(err));
            }
        };
        match Keymap::parse_user(&text, &source) {
            Ok(map) => (map, None),
            Err(e) => (Keymap::builtin(Base::Default), Some(e)),
        }
    }

    /// The command `key` runs in `context` on its own: the context's own binding first, then
    /// the global one (for the panes). While `typing`, plain characters are left to the text
    /// field. Key releases run nothing. A key that only starts a longer binding runs nothing.
    pub fn lookup(&self, context: Context, key: &KeyEvent, typing: bool) -> Option<Command> {
        match self.resolve(context, &mut Vec::new(), key, typing) {
            Resolved::Run(cmd) => Some(cmd),
            Resolved::Pending | Resolved::Unbound => None,
        }
    }

    /// What `key` means after the keys in `pending` (which started a longer binding, such as
    /// the first `g` of `g g`); `pending` is updated: it grows while a binding may still be
    /// completed and is emptied otherwise. A key that completes nothing is taken on its own.
    pub fn resolve(&self, context: Context, pending: &mut Vec<KeyChord>, key: &KeyEvent, typing: bool) -> Resolved {
        if key.kind == KeyEventKind::Release {
            return Resolved::Unbound;
        }
        let chord = KeyChord::from_event(key);
        if !pending.is_empty() {
            let mut chords = std::mem::take(pending);
            chords.push(chord);
            if let Some(seq) = KeySeq::new(chords.clone()) {
                match self.find(context, &seq) {
                    Found::Exact(Some(cmd)) => return Resolved::Run(cmd),
                    Found::Prefix => {
                        *pending = chords;
                        return Resolved::Pending;
                    }
                    Found::Exact(None) | Found::Nothing => {}
                }
            }
        }
        if typing && chord.is_plain_text() {
            return Resolved::Unbound;
        }
        match self.find(context, &KeySeq::from(chord)) {
            Found::Exact(Some(cmd)) => Resolved::Run(cmd),
            Found::Prefix => {
                pending.push(chord);
                Resolved::Pending
            }
            Found::Exact(None) | Found::Nothing => Resolved::Unbound,
        }
    }

    /// The command a (normalised) chord runs in `context` on its own.
    pub fn lookup_chord(&self, context: Context, chord: KeyChord) -> Option<Command> {
        match self.find(context, &KeySeq::from(chord)) {
            Found::Exact(cmd) => cmd,
            Found::Prefix | Found::Nothing => None,
        }
    }

    /// What `seq` means in `context`: its own section first, then (for the panes) the global
    /// one, whose bindings a `"none"` in the section hides.
    fn find(&self, context: Context, seq: &KeySeq) -> Found {
        match self.section(context).find(seq) {
            Found::Nothing if context.falls_back_to_global() => self.section(Context::Global).find(seq),
            found => found,
        }
    }

    /// The chords that run `command` in `context`: the context's own, then global ones not
    /// hidden by the context, each in file order.
    pub fn keys_for(&self, context: Context, command: Command) -> Vec<KeySeq> {
        let own = self.section(context);
        let mut keys: Vec<KeySeq> = own
            .entries
            .iter()
            .filter(|(_, c)| *c == Some(command))
            .map(|(k, _)| k.clone())
            .collect();
        if context.falls_back_to_global() {
            keys.extend(
                self.section(Context::Global)
                    .entries
                    .iter()
                    .filter(|(k, c)| *c == Some(command) && own.get(k).is_none())
                    .map(|(k, _)| k.clone()),
            );
        }
        keys
    }

    /// The keys for `command` in `context` as text, e.g. `ctrl-p, :` (empty when unbound).
    pub fn keys_text(&self, context: Context, command: Command) -> String {
        let keys: Vec<String> = self.keys_for(context, command).iter().map(KeySeq::to_string).collect();
        keys.join(", ")
    }

    /// Help for `context`: its own commands, then the global ones, in [`Command::ALL`] order.
    /// Commands without a key are listed too (with empty keys): the palette runs them.
    /// See [`Keymap::overlay_rows`] for the keys of the help overlay and the palette themselves.
    pub fn help_rows(&self, context: Context) -> Vec<HelpRow> {
        let own = Command::ALL
            .iter()
            .filter(|c| context != Context::Global && c.context() == context);
        let global = Command::ALL.iter().filter(|c| c.context() == Context::Global);
        own.chain(global)
            .map(|&c| HelpRow {
                keys: self.keys_text(context, c),
                name: c.name(),
                description: c.description(),
                context: c.context(),
            })
            .collect()
    }

    /// The commands bound in a section that does not fall back to the global one (help, the
    /// palette, forms), each with its keys there, grouped under that context.
    pub fn overlay_rows(&self, context: Context) -> Vec<HelpRow> {
        Command::ALL
            .iter()
            .filter(|&&c| !self.keys_for(context, c).is_empty())
            .map(|&c| HelpRow {
                keys: self.keys_text(context, c),
                name: c.name(),
                description: c.description(),
                context,
            })
            .collect()
    }

    fn section(&self, context: Context) -> &Section {
        &self.sections[context as usize]
    }

    fn section_mut(&mut self, context: Context) -> &mut Section {
        &mut self.sections[context as usize]
    }
}

/// Parses TOML, turning a syntax error into a [`KeymapError`] with its line.
fn parse_doc<'t>(text: &'t str, source: &str) -> Result<ImDocument<&'t str>, KeymapError> {
    ImDocument::parse(text).map_err(|e| KeymapError {
        file: source.to_string(),
        line: e.span().map(|s| line_of_offset(text, s.start)),
        section: String::new(),
        key: String::new(),
        message: format!("not valid TOML: {}", e.message().trim()),
    })
}

/// The line of a key of `table`, if the parser kept its place.
fn key_line(table: &dyn TableLike, key: &str, text: &str) -> Option<usize> {
    table
        .key(key)
        .and_then(|k| k.span())
        .map(|s| line_of_offset(text, s.start))
}

/// The `base = "..."` of a user file (default when absent).
fn base_of(doc: &ImDocument<&str>, text: &str, source: &str) -> Result<Base, KeymapError> {
    let Some(item) = doc.as_table().get("base") else {
        return Ok(Base::Default);
    };
    item.as_str().and_then(Base::from_name).ok_or_else(|| KeymapError {
        file: source.to_string(),
        line: key_line(doc.as_table(), "base", text),
        section: String::new(),
        key: "base".to_string(),
        message: "must be \"default\" or \"vim\"".to_string(),
    })
}

/// Reads every section of `doc` into `map`.
fn apply(map: &mut Keymap, doc: &ImDocument<&str>, text: &str, source: &str) -> Result<(), KeymapError> {
    let top = doc.as_table();
    let err = |line: Option<usize>, section: &str, key: &str, message: String| KeymapError {
        file: source.to_string(),
        line,
        section: section.to_string(),
        key: key.to_string(),
        message,
    };
    for (name, item) in top.iter() {
        let line = key_line(top, name, text);
        if name == "base" {
            base_of(doc, text, source)?;
            continue;
        }
        let Some(context) = Context::from_section(name) else {
            let known: Vec<&str> = Context::ALL.iter().map(|c| c.section()).collect();
            return Err(err(
                line,
                name,
                "",
                format!("unknown section; expected one of: {}", known.join(", ")),
            ));
        };
        let Some(table) = item.as_table_like() else {
            return Err(err(
                line,
                name,
                "",
                "must be a table of \"key\" = \"command\" entries".to_string(),
            ));
        };
        let mut seen: HashMap<KeySeq, (String, Option<usize>)> = HashMap::new();
        for (key, value) in table.iter() {
            let line = key_line(table, key, text).or(line);
            let chord: KeySeq = key.parse().map_err(|e: ChordError| err(line, name, key, e.message))?;
            if let Some((earlier, at)) = seen.insert(chord.clone(), (key.to_string(), line)) {
                let place = at.map_or(String::new(), |l| format!(" on line {l}"));
                return Err(err(
                    line,
                    name,
                    key,
                    format!("the same key as `{earlier}`{place}; bind it once"),
                ));
            }
            let Some(command_name) = value_str(value) else {
                return Err(err(
                    line,
                    name,
                    key,
                    "expected a command name in quotes, e.g. \"quit\", or \"none\" to unbind".to_string(),
                ));
            };
            if command_name == UNBIND {
                if context == Context::Global {
                    map.section_mut(context).remove(&chord);
                } else {
                    map.section_mut(context).set(chord, None);
                }
                continue;
            }
            let Some(command) = Command::from_name(command_name) else {
                return Err(err(line, name, key, unknown_command(command_name)));
            };
            let own = command.context();
            if own != Context::Global && own != context {
                return Err(err(
                    line,
                    name,
                    key,
                    format!(
                        "`{command_name}` works in the {0} pane only; bind it under [{0}]",
                        own.section()
                    ),
                ));
            }
            // A shorter binding that a longer one starts with would hide it (or be hidden):
            // this file's own bindings must not overlap; the base's give way to this file's.
            for other in map.section(context).overlapping(&chord) {
                if let Some((earlier, at)) = seen.get(&other).filter(|_| other != chord) {
                    let place = at.map_or(String::new(), |l| format!(" on line {l}"));
                    return Err(err(
                        line,
                        name,
                        key,
                        format!(
                            "overlaps `{earlier}`{place}: one starts with the other, so the shorter would \
                             run before the longer could be typed; bind only one of them"
                        ),
                    ));
                }
                map.section_mut(context).remove(&other);
            }
            map.section_mut(context).set(chord, Some(command));
        }
    }
    Ok(())
}

/// A string value, if `item` is one.
fn value_str(item: &Item) -> Option<&str> {
    item.as_value().and_then(|v| v.as_str())
}

/// The message for an unknown command name, suggesting the closest known names.
fn unknown_command(name: &str) -> String {
    let items: Vec<(Command, String)> = Command::ALL.iter().map(|&c| (c, String::new())).collect();
    let close: Vec<&str> = crate::ui::palette_rank::rank_commands(name, &items)
        .into_iter()
        .take(3)
        .map(|i| items[i].0.name())
        .collect();
    if close.is_empty() {
        format!("unknown command `{name}` (the palette, ctrl-p, lists every command)")
    } else {
        format!("unknown command `{name}`; did you mean {}?", close.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::{KeyCode, KeyModifiers};

    fn key(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    #[test]
    fn shipped_maps_parse() {
        for base in [Base::Default, Base::Vim] {
            Keymap::parse_over(&Keymap::default(), base.text(), base.source()).unwrap();
        }
    }

    #[test]
    fn own_section_wins_over_global_and_none_hides_global() {
        let map = Keymap::parse_over(
            &Keymap::default(),
            "[global]\nx = \"quit\"\nq = \"quit\"\n[clients]\nx = \"cancel-booking\"\n[notes]\nq = \"none\"\n",
            "t",
        )
        .unwrap();
        let x = key(KeyCode::Char('x'), KeyModifiers::NONE);
        let q = key(KeyCode::Char('q'), KeyModifiers::NONE);
        assert_eq!(map.lookup(Context::Clients, &x, false), Some(Command::CancelBooking));
        assert_eq!(map.lookup(Context::Calendar, &x, false), Some(Command::Quit));
        assert_eq!(map.lookup(Context::Notes, &q, false), None);
        assert_eq!(map.keys_text(Context::Notes, Command::Quit), "x");
        assert_eq!(map.keys_text(Context::Clients, Command::Quit), "q");
    }

    #[test]
    fn errors_format_with_file_line_section_and_key() {
        let e = Keymap::parse_over(&Keymap::default(), "[global]\n\"ctrl-zz\" = \"quit\"\n", "k.toml").unwrap_err();
        assert!(
            e.to_string().starts_with("k.toml:2: [global] ctrl-zz: unknown key"),
            "{e}"
        );
        let e = Keymap::parse_over(&Keymap::default(), "[global]\nq = \"quitt\"\n", "k.toml").unwrap_err();
        assert!(e.to_string().contains("did you mean quit"), "{e}");
        let e = Keymap::parse_over(
            &Keymap::default(),
            "[global]\nA = \"quit\"\n\"shift-a\" = \"help\"\n",
            "k",
        )
        .unwrap_err();
        assert_eq!(e.line, Some(3));
        let e = Keymap::parse_over(&Keymap::default(), "[global\n", "k").unwrap_err();
        assert_eq!(e.line, Some(1));
    }
}
