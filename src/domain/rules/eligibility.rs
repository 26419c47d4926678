//! Who may book at all: eligibility of an appointment type (APPT-01), suspended clients (SEC-03)
//! and blocked clients (APPT-04).

use chrono::NaiveDate;

use super::counting::long_date;
use super::{Refusal, Rule};
use crate::domain::client::Client;
use crate::domain::policy::AppointmentType;

/// A suspended client cannot be booked (SEC-03).
pub fn suspended(client: &Client) -> Option<Refusal> {
    client.suspension.as_ref().map(|s| Refusal {
        rule: Rule::Suspended,
        clause: "SEC-03",
        message: format!("client is suspended{}", reason(&s.reason)),
        allowed_from: None,
        figures: None,
    })
}

/// A client blocked on local `date` cannot be booked until the block expires (APPT-04).
pub fn blocked(client: &Client, date: NaiveDate) -> Option<Refusal> {
    client.block_on(date).map(|b| Refusal {
        rule: Rule::Blocked,
        clause: "APPT-04",
        message: format!("blocked until {}{}", long_date(b.expires), reason(&b.reason)),
        allowed_from: Some(b.expires),
        figures: None,
    })
}

/// The eligibility rules of `ty` that `client` fails, one refusal each (APPT-01).
pub fn check(client: &Client, ty: &AppointmentType) -> Vec<Refusal> {
    let rules = &ty.eligibility;
    let name = &ty.name;
    let mut failed = Vec::new();
    if !rules.levels.is_empty() && !rules.levels.contains(&client.level) {
        let allowed: Vec<&str> = rules.levels.iter().map(|l| l.code()).collect();
        failed.push(format!(
            "{name} is for {}; this client is {}",
            allowed.join(", "),
            client.level.code()
        ));
    }
    if !rules.statuses.is_empty() && !rules.statuses.contains(&client.status) {
        let allowed: Vec<&str> = rules.statuses.iter().map(|s| s.code()).collect();
        failed.push(format!(
            "{name} is for {}; this client is {}",
            allowed.join(", "),
            client.status.code()
        ));
    }
    if !rules.programmes.is_empty() && !matches_any(&rules.programmes, &client.programme) {
        failed.push(format!(
            "{name} is for programmes {}; this client is on {}",
            rules.programmes.join(", "),
            client.programme
        ));
    }
    if !rules.schools.is_empty() {
        let has = match &client.school {
            Some(school) if matches_any(&rules.schools, school) => None,
            Some(school) => Some(format!("this client is in {school}")),
            None => Some("this client has no school recorded".to_string()),
        };
        if let Some(has) = has {
            failed.push(format!("{name} is for schools {}; {has}", rules.schools.join(", ")));
        }
    }
    for threshold in &rules.activities {
        let done = client
            .activities
            .iter()
            .filter(|a| a.activity.trim().eq_ignore_ascii_case(threshold.activity.trim()))
            .map(|a| a.count)
            .fold(0u32, u32::saturating_add);
        if done < threshold.min {
            failed.push(format!(
                "{name} needs {} x {}; this client has {done}",
                threshold.activity, threshold.min
            ));
        }
    }
    failed
        .into_iter()
        .map(|message| Refusal {
            rule: Rule::Eligibility,
            clause: "APPT-01",
            message,
            allowed_from: None,
            figures: None,
        })
        .collect()
}

/// Whether `value` equals one of `allowed`, ignoring case and surrounding spaces.
fn matches_any(allowed: &[String], value: &str) -> bool {
    let value = value.trim().to_lowercase();
    allowed.iter().any(|a| a.trim().to_lowercase() == value)
}

/// " (reason)", or nothing when no reason was given.
fn reason(reason: &str) -> String {
    let reason = reason.trim();
    if reason.is_empty() {
        String::new()
    } else {
        format!(" ({reason})")
    }
}

#[cfg(test)]
mod tests {
    use crate::domain::client::{Activity, Block, Level, Status, Suspension};
    use crate::domain::policy::{
        ActivityThreshold, Allocation, AllocationPeriod, AppointmentType, AppointmentTypeId, Eligibility, Setting,
    };
    use crate::domain::rules::tests::*;
    use crate::domain::rules::{may_book_type, Rule};

    fn strict_type() -> AppointmentType {
        AppointmentType {
            id: AppointmentTypeId("phd-clinic".into()),
            name: "PhD clinic".into(),
            consultant_led: true,
            minutes: 45,
            setting: Setting::Confidential,
            eligibility: Eligibility {
                levels: vec![Level::Pgt, Level::Pgr],
                statuses: vec![Status::Student],
                programmes: vec!["MSc Data Science".into()],
                schools: vec!["Engineering".into()],
                activities: vec![ActivityThreshold {
                    activity: "cv-workshop".into(),
                    min: 2,
                }],
            },
            allocation: Allocation {
                count: 5,
                period: AllocationPeriod::AcademicYear,
            },
        }
    }

    #[test]
    fn appt_01_eligibility_names_the_failed_rule() {
        let p = policy();
        let ty = strict_type();
        let now = on("2026-12-01");
        let mut c = client();
        c.status = Status::Graduate;
        c.programme = "BA History".into();
        c.school = None;
        c.activities = vec![Activity {
            activity: "cv-workshop".into(),
            count: 1,
        }];
        let dec = may_book_type(&p, &c, &ty, &[], now, now);
        let messages: Vec<&str> = dec.refusals.iter().map(|r| r.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "PhD clinic is for pgt, pgr; this client is ug",
                "PhD clinic is for student; this client is graduate",
                "PhD clinic is for programmes MSc Data Science; this client is on BA History",
                "PhD clinic is for schools Engineering; this client has no school recorded",
                "PhD clinic needs cv-workshop x 2; this client has 1",
            ]
        );
        assert!(dec
            .refusals
            .iter()
            .all(|r| r.rule == Rule::Eligibility && r.clause == "APPT-01" && r.allowed_from.is_none()));
        assert_eq!(dec.allowed_from(), None);

        c.school = Some("Arts".into());
        let dec = may_book_type(&p, &c, &ty, &[], now, now);
        assert!(dec.refusals[3].message.ends_with("this client is in Arts"));

        // Programme and school match ignoring case.
        c.level = Level::Pgr;
        c.status = Status::Student;
        c.programme = "msc data science".into();
        c.school = Some("ENGINEERING".into());
        c.activities[0].count = 2;
        assert!(may_book_type(&p, &c, &ty, &[], now, now).is_allowed());

        // A missing activity counts as none done (the standard mock interview needs one workshop).
        c.activities.clear();
        let dec = check(&p, &c, "mock-interview", now, &[], now);
        assert_eq!(
            only(&dec, Rule::Eligibility).message,
            "Mock interview needs interview-workshop x 1; this client has 0"
        );
    }

    #[test]
    fn appt_04_blocked_client_is_refused_until_expiry() {
        let p = policy();
        let mut c = client();
        c.block = Some(Block {
            reason: "three no-shows".into(),
            by: OP,
            at: on("2026-12-03"),
            expires: d("2027-03-03"),
        });
        let now = on("2026-12-03");
        let dec = check(&p, &c, "guidance", on("2027-03-02"), &[], now);
        let r = only(&dec, Rule::Blocked);
        assert_eq!(r.to_string(), "APPT-04: blocked until 3 Mar 2027 (three no-shows)");
        assert_eq!(dec.allowed_from(), Some(d("2027-03-03")));
        assert!(check(&p, &c, "guidance", on("2027-03-03"), &[], now).is_allowed());

        // With another refusal, the decision's date is the later of the two.
        let history = [attended("guidance", "2027-01-19"), booked("guidance", on("2027-03-25"))];
        let dec = check(&p, &c, "guidance", on("2027-03-01"), &history, now);
        assert_eq!(dec.refusals.len(), 2, "{}", dec.explain());
        assert_eq!(dec.refusals[1].allowed_from, Some(d("2027-03-27")));
        assert_eq!(dec.allowed_from(), Some(d("2027-03-27")));
    }

    #[test]
    fn sec_03_suspended_client_cannot_be_booked() {
        let p = policy();
        let mut c = client();
        c.suspension = Some(Suspension {
            reason: "suspected account sharing".into(),
            by: OP,
            at: on("2026-12-01"),
        });
        c.block = Some(Block {
            reason: "no-shows".into(),
            by: OP,
            at: on("2026-12-01"),
            expires: d("2027-01-01"),
        });
        let dec = check(&p, &c, "drop-in", on("2026-12-10"), &[], on("2026-12-01"));
        assert_eq!(dec.refusals.len(), 2);
        assert_eq!(dec.refusals[0].rule, Rule::Suspended);
        assert_eq!(
            dec.refusals[0].to_string(),
            "SEC-03: client is suspended (suspected account sharing)"
        );
        assert_eq!(dec.refusals[1].rule, Rule::Blocked);
        // A suspension has no end date, so neither has the decision.
        assert_eq!(dec.allowed_from(), None);
        assert_eq!(
            dec.explain(),
            "SEC-03: client is suspended (suspected account sharing)\nAPPT-04: blocked until 1 Jan 2027 (no-shows)"
        );
    }
}
