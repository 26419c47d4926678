//! The desk screen: a keyboard-driven terminal interface over the same service layer as the CLI.

pub mod app;
pub mod command;
pub mod drive;
pub mod event;
pub mod holder;
pub mod housekeeping;
pub mod input;
pub mod keymap;
pub mod lookup;
pub mod main_screen;
pub mod palette_rank;
pub mod pane;
pub mod panes;
pub mod safe_backend;
pub mod screens;
pub mod start;
pub mod sync_task;
pub mod theme;
pub mod tui;
pub mod widgets;

pub use tui::run;
