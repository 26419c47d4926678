//! Allocation (APPT-01): how many appointments of one type a client may have per period, where
//! no-shows and late cancellations use one up (APPT-02).

use chrono::{Datelike, NaiveDate};

use super::counting::{add_days, count_between, plural, short_date, Tally};
use super::fair_use::{busiest_window, next_possible, next_text};
use super::{Figures, Refusal, Rule};
use crate::domain::policy::{AllocationPeriod, AppointmentType, Policy};

/// The clause every allocation refusal cites.
const CLAUSE: &str = "APPT-01";

/// The allocation check for one more appointment of type `ty` on local `date`, given the
/// client's [`Tally`] for that type.
pub fn check(policy: &Policy, ty: &AppointmentType, tally: &Tally, date: NaiveDate) -> Option<Refusal> {
    let allowed = ty.allocation.count as usize;
    let name = display_name(&ty.name);
    let (message, allowed_from, figures) = match ty.allocation.period {
        AllocationPeriod::Days(n) => {
            let window = busiest_window(&tally.same_type, date, n);
            if window.count < allowed {
                return None;
            }
            let allowed_from = next_possible(&tally.same_type, date, |_| (ty.allocation.count, n));
            let counting = consumed(tally, window.from, window.to);
            let message = format!(
                "{} between {} and {} (limit {allowed} in any {n} days{}); {}",
                plural(window.count, &format!("{name} appointment")),
                short_date(window.from, date),
                short_date(window.to, date),
                counting.map(|c| format!(", counting {c}")).unwrap_or_default(),
                next_text(allowed_from, date),
            );
            (
                message,
                allowed_from,
                figures(window.count, allowed, window.from, window.to),
            )
        }
        AllocationPeriod::Term | AllocationPeriod::AcademicYear => {
            let (from, to, label) = period(policy, ty, date)?;
            let used = count_between(&tally.same_type, from, to);
            if used < allowed {
                return None;
            }
            let allowed_from = Some(add_days(to, 1));
            let message = format!(
                "{used} of {allowed} {name} appointments used in {label}{}; {}",
                consumed(tally, from, to)
                    .map(|c| format!(" (counting {c})"))
                    .unwrap_or_default(),
                next_text(allowed_from, date),
            );
            (message, allowed_from, figures(used, allowed, from, to))
        }
    };
    Some(Refusal {
        rule: Rule::Allocation,
        clause: CLAUSE,
        message,
        allowed_from,
        figures: Some(figures),
    })
}

/// The counts behind a refusal, saturating (they are small in practice).
pub(super) fn figures(used: usize, limit: usize, from: NaiveDate, to: NaiveDate) -> Figures {
    let n = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
    Figures {
        used: n(used),
        limit: n(limit),
        from,
        to,
    }
}

/// The fixed period (term or academic year) an allocation of `ty` counts over on `date`, with
/// its label ("Autumn 2026", "academic year 2026/27"); `None` for rolling allocations and for a
/// term allocation on a date in no term (no limit applies then).
pub fn period(policy: &Policy, ty: &AppointmentType, date: NaiveDate) -> Option<(NaiveDate, NaiveDate, String)> {
    match ty.allocation.period {
        AllocationPeriod::Term => policy.term_containing(date).map(|t| (t.start, t.end, t.name.clone())),
        AllocationPeriod::AcademicYear => {
            let (from, to) = policy.academic_year_containing(date);
            let label = if from.year() == to.year() {
                format!("academic year {}", from.year())
            } else {
                format!("academic year {}/{:02}", from.year(), to.year().rem_euclid(100))
            };
            Some((from, to, label))
        }
        AllocationPeriod::Days(_) => None,
    }
}

/// The local dates whose same-type appointments the check on `date` looked at (for reporting
/// unresolved appointments left out); `None` when no allocation limit applies on `date`.
pub fn span(policy: &Policy, ty: &AppointmentType, date: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
    match ty.allocation.period {
        AllocationPeriod::Days(n) => {
            let days = u64::from(n.max(1)) - 1;
            Some((super::counting::sub_days(date, days), add_days(date, days)))
        }
        _ => period(policy, ty, date).map(|(from, to, _)| (from, to)),
    }
}

/// "1 no-show and 2 late cancellations": what consumed allocation without an attendance in
/// `from..=to` (APPT-02), or `None` when nothing did.
fn consumed(tally: &Tally, from: NaiveDate, to: NaiveDate) -> Option<String> {
    let no_shows = count_between(&tally.same_type_no_shows, from, to);
    let late = count_between(&tally.same_type_late_cancels, from, to);
    match (no_shows, late) {
        (0, 0) => None,
        (n, 0) => Some(plural(n, "no-show")),
        (0, l) => Some(plural(l, "late cancellation")),
        (n, l) => Some(format!(
            "{} and {}",
            plural(n, "no-show"),
            plural(l, "late cancellation")
        )),
    }
}

/// The type's name inside a sentence: "Careers guidance" becomes "careers guidance", while a
/// name starting with an acronym ("CV review") keeps its capitals.
fn display_name(name: &str) -> String {
    let mut chars = name.chars();
    match (chars.next(), chars.next()) {
        (Some(first), Some(second)) if first.is_uppercase() && !second.is_uppercase() => {
            first.to_lowercase().chain(name.chars().skip(1)).collect()
        }
        _ => name.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::display_name;
    use crate::domain::appointment::Outcome;
    use crate::domain::rules::tests::*;
    use crate::domain::rules::Rule;

    #[test]
    fn appt_01_term_allocation_and_next_possible_date() {
        let p = policy();
        let c = client();
        let now = on("2026-11-20");
        let history = [attended("guidance", "2026-09-22"), attended("guidance", "2026-10-20")];
        let dec = check(&p, &c, "guidance", on("2026-11-25"), &history, now);
        let r = only(&dec, Rule::Allocation);
        assert_eq!(
            r.message,
            "2 of 2 careers guidance appointments used in Autumn 2026; next possible 12 Dec"
        );
        assert_eq!(r.allowed_from, Some(d("2026-12-12")));
        // Between terms no term allocation applies; the next term starts afresh.
        assert!(check(&p, &c, "guidance", on("2026-12-14"), &history, now).is_allowed());
        assert!(check(&p, &c, "guidance", on("2027-01-20"), &history, now).is_allowed());
        // A planned booking later in the term counts too.
        let planned = [attended("guidance", "2026-09-22"), booked("guidance", on("2026-12-05"))];
        only(
            &check(&p, &c, "guidance", on("2026-11-25"), &planned, now),
            Rule::Allocation,
        );
        // Other types have their own allocation.
        assert!(check(&p, &c, "applications", on("2026-11-25"), &history, now).is_allowed());
    }

    #[test]
    fn appt_01_academic_year_allocation() {
        let p = policy();
        let c = client();
        let now = on("2026-07-01");
        let history = [booked("mock-interview", on("2026-09-01"))];
        // 31 July 2026 is in the previous academic year.
        assert!(check(&p, &c, "mock-interview", on("2026-07-31"), &history, now).is_allowed());
        let dec = check(&p, &c, "mock-interview", on("2026-08-01"), &history, now);
        let r = only(&dec, Rule::Allocation);
        assert_eq!(
            r.message,
            "1 of 1 mock interview appointments used in academic year 2026/27; next possible 1 Aug 2027"
        );
        assert_eq!(r.allowed_from, Some(d("2027-08-01")));
        let late = check(&p, &c, "mock-interview", on("2027-07-01"), &history, now);
        assert!(late.refusals[0].message.ends_with("next possible 1 Aug"));
        assert!(check(&p, &c, "mock-interview", on("2027-08-01"), &history, now).is_allowed());
    }

    #[test]
    fn appt_01_rolling_days_allocation() {
        let p = policy();
        let c = client();
        // Drop-ins: 2 in any 7 days, not consultant-led.
        let now = on("2026-11-27");
        let planned = [booked("drop-in", on("2026-12-01")), booked("drop-in", on("2026-12-03"))];
        let dec = check(&p, &c, "drop-in", on("2026-12-07"), &planned, now);
        let r = only(&dec, Rule::Allocation);
        assert_eq!(
            r.message,
            "2 drop-in appointments between 1 Dec and 7 Dec (limit 2 in any 7 days); next possible 8 Dec"
        );
        assert_eq!(r.allowed_from, Some(d("2026-12-08")));
        assert!(check(&p, &c, "drop-in", on("2026-12-08"), &planned, now).is_allowed());
        // Before the planned ones: the window after the new slot counts.
        let before = check(&p, &c, "drop-in", on("2026-11-28"), &planned, now);
        assert_eq!(only(&before, Rule::Allocation).allowed_from, Some(d("2026-12-08")));
        assert!(check(&p, &c, "drop-in", on("2026-11-24"), &planned, now).is_allowed());

        let now = on("2026-12-05");
        let history = [
            settled("drop-in", on("2026-12-01"), Outcome::NoShow),
            attended("drop-in", "2026-12-03"),
        ];
        let r = check(&p, &c, "drop-in", on("2026-12-06"), &history, now)
            .refusals
            .remove(0);
        assert_eq!(
            r.message,
            "2 drop-in appointments between 1 Dec and 7 Dec (limit 2 in any 7 days, counting 1 no-show); \
             next possible 8 Dec"
        );
    }

    #[test]
    fn type_names_read_inside_a_sentence() {
        assert_eq!(display_name("Careers guidance"), "careers guidance");
        assert_eq!(display_name("CV review"), "CV review");
        assert_eq!(display_name("drop-in"), "drop-in");
        assert_eq!(display_name(""), "");
    }
}
