//! careerdesk: front-desk software for a university careers service.
//!
//! Data flows one way: a front end (the CLI today, the TUI next) builds a request, the [`desk`]
//! service layer checks permission and policy with the pure [`domain`] rules, and the [`store`]
//! commits the change, its audit entry and its op-log entry in one transaction.

pub mod cli;
pub mod demo;
pub mod desk;
pub mod domain;
pub mod logging;
pub mod notify;
pub mod paths;
pub mod policy;
pub mod report;
pub mod store;
pub mod sync;
pub mod ui;
