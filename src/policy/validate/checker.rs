//! The policy checker's tools (reporting an error at its line, ranges, dates, texts, ids) and
//! the whole build: every top-level figure checked, then each section in turn.

use std::collections::HashMap;

use super::{
    Checker, PolicyError, RawPolicy, MAX_BACKUPS_KEPT, MAX_CLASH_GAP_HOURS, MAX_COUNT, MAX_DAYS, MAX_REMINDER_HOURS,
    MAX_WINDOW_DAYS, SYNC_EVERY_SECONDS,
};
use crate::domain::limits;
use crate::domain::text::{is_unsafe, quote};
use crate::domain::validate::YEARS;
use crate::policy::locate::line_of;
use crate::policy::Policy;

/// Whether `id` is kebab-case: lowercase letters, digits and single inner hyphens.
pub(super) fn is_kebab(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with('-')
        && !id.ends_with('-')
}

impl Checker<'_> {
    pub(super) fn error(&mut self, field: impl Into<String>, message: impl Into<String>) {
        let field = field.into();
        self.errors.push(PolicyError {
            file: self.file.to_string(),
            line: line_of(self.doc, &field),
            message: message.into(),
            field,
        });
    }

    /// Reports `field` unless `lo <= value <= hi`.
    pub(super) fn range(&mut self, field: &str, value: u32, lo: u32, hi: u32) {
        if value < lo || value > hi {
            let message = if hi == u32::MAX {
                format!("must be at least {lo}, found {value}")
            } else {
                format!("must be between {lo} and {hi}, found {value}")
            };
            self.error(field, message);
        }
    }

    /// Reports a date outside the years every date calculation is sure to handle.
    pub(super) fn year(&mut self, field: &str, date: chrono::NaiveDate) {
        use chrono::Datelike;
        if !YEARS.contains(&date.year()) {
            self.error(
                field,
                format!("{date} is outside the years {} to {}", YEARS.start(), YEARS.end()),
            );
        }
    }

    /// A display text: not empty, at most `max` characters, no control characters.
    pub(super) fn non_empty(&mut self, field: &str, value: &str) {
        self.label(field, value, limits::LABEL);
    }

    pub(super) fn label(&mut self, field: &str, value: &str, max: usize) {
        if value.trim().is_empty() {
            self.error(field, "must not be empty");
        } else if let Err(e) = limits::check("text", value, max) {
            self.error(field, e.message);
        } else if let Some(c) = value.chars().find(|c| is_unsafe(*c)) {
            self.error(
                field,
                format!("has a control character ({}); write plain text", quote(&c.to_string())),
            );
        }
    }

    /// Checks ids are kebab-case and unique; `what` names the list in messages.
    pub(super) fn ids<'i>(&mut self, list: &str, ids: impl Iterator<Item = &'i str>) {
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (i, id) in ids.enumerate() {
            let field = format!("{list}[{i}].id");
            if id.len() > limits::ID {
                self.error(
                    &field,
                    format!("{} is longer than {} characters", quote(id), limits::ID),
                );
            } else if !is_kebab(id) {
                self.error(
                    &field,
                    format!(
                        "{} is not kebab-case; use lowercase letters, digits and hyphens",
                        quote(id)
                    ),
                );
            }
            if let Some(first) = seen.insert(id, i) {
                self.error(
                    &field,
                    format!("duplicate id {}; it is already used by {list}[{first}]", quote(id)),
                );
                seen.insert(id, first);
            }
        }
    }

    /// Turns the raw file into a policy, reporting every problem; the result is only used when
    /// no problem was reported (invalid values are replaced by placeholders).
    pub(super) fn build(&mut self, raw: RawPolicy) -> Policy {
        let institution = self.institution(raw.institution);

        // Every figure has an upper bound far above any real policy and far below where date
        // arithmetic on it could overflow.
        let r = raw.retention;
        self.range("retention.years", r.years, 1, 50);
        self.range("retention.enquiry_days", r.enquiry_days, 1, MAX_DAYS);
        let f = raw.fair_use;
        self.range("fair_use.max_contacts", f.max_contacts, 1, MAX_COUNT);
        self.range("fair_use.window_days", f.window_days, 1, MAX_WINDOW_DAYS);
        let n = raw.no_show;
        self.range("no_show.concern_threshold", n.concern_threshold, 1, MAX_COUNT);
        if n.block_threshold < n.concern_threshold {
            self.error(
                "no_show.block_threshold",
                format!(
                    "must be at least concern_threshold ({}), found {}",
                    n.concern_threshold, n.block_threshold
                ),
            );
        } else {
            self.range("no_show.block_threshold", n.block_threshold, 1, MAX_COUNT);
        }
        self.range("no_show.look_back_days", n.look_back_days, 1, MAX_DAYS);
        self.range("no_show.block_days", n.block_days, 1, MAX_DAYS);
        let threshold = raw.reports.suppression_threshold;
        self.range("reports.suppression_threshold", threshold, 2, MAX_COUNT);
        let m = raw.reminders;
        self.range("reminders.min_lead_hours", m.min_lead_hours, 1, MAX_REMINDER_HOURS);
        self.range(
            "reminders.send_hours_before",
            m.send_hours_before,
            1,
            MAX_REMINDER_HOURS,
        );
        let idle = raw.security.idle_lock_minutes;
        self.range("security.idle_lock_minutes", idle, 1, 240);
        self.sign_in(&raw.sign_in);
        let alert = raw.complaints.alert_threshold;
        self.range("complaints.alert_threshold", alert, 1, MAX_COUNT);
        self.range("backups.keep", raw.backups.keep, 1, MAX_BACKUPS_KEPT);
        let (fewest, most) = SYNC_EVERY_SECONDS;
        self.range("sync.every_seconds", raw.sync.every_seconds, fewest, most);
        let gap = raw.events.clash_gap_hours;
        self.range("events.clash_gap_hours", gap, 0, MAX_CLASH_GAP_HOURS);
        let calendar = self.opening_hours(&raw.calendar);
        // Uploads are held whole in the store and in each backup: kept to 100 MiB at most.
        self.range("attachments.max_bytes", raw.attachments.max_bytes, 1, 104_857_600);

        self.terms(&raw.terms);
        self.locations(&raw.locations);
        let appointment_types = self.appointment_types(raw.appointment_types, !raw.terms.is_empty());
        self.peak_periods(&raw.peak_periods);
        let closures = self.closures(raw.closures);

        Policy {
            institution,
            retention: raw.retention,
            fair_use: raw.fair_use,
            no_show: raw.no_show,
            reports: raw.reports,
            reminders: raw.reminders,
            security: raw.security,
            sign_in: raw.sign_in,
            complaints: raw.complaints,
            backups: raw.backups,
            sync: raw.sync,
            events: raw.events,
            calendar,
            attachments: raw.attachments,
            terms: raw.terms,
            locations: raw.locations,
            appointment_types,
            peak_periods: raw.peak_periods,
            closures,
        }
    }
}
