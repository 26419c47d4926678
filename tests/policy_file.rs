//! The institution policy file: shipped examples, and errors that name the file, line and field.

use std::path::Path;

use careerdesk::domain::client::{Level, Status};
use careerdesk::policy::{
    example, AllocationPeriod, FairUse, MonthDay, Policy, PolicyError, PolicyErrors, Setting, EXAMPLES,
};
use chrono::NaiveDate;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn load_example(name: &str) -> Policy {
    let e = example(name).unwrap_or_else(|| panic!("no example {name}"));
    Policy::parse(e.text, name).unwrap_or_else(|errors| panic!("{name}:\n{errors}"))
}

fn errors_of(text: &str) -> PolicyErrors {
    match Policy::parse(text, "policy.toml") {
        Ok(_) => panic!("the policy was accepted"),
        Err(e) => e,
    }
}

/// The 1-based line of the first line of `text` containing `needle`.
fn line_containing(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).unwrap() + 1
}

fn the_error<'a>(errors: &'a PolicyErrors, field: &str) -> &'a PolicyError {
    errors
        .for_field(field)
        .first()
        .copied()
        .unwrap_or_else(|| panic!("no error for {field} in:\n{errors}"))
}

const STANDARD: &str = include_str!("../assets/policies/standard.toml");

#[test]
fn every_shipped_example_parses_with_the_common_figures() {
    assert_eq!(EXAMPLES.len(), 3);
    for e in EXAMPLES {
        let p = load_example(e.name);
        assert!(!p.institution.name.is_empty());
        assert!(!p.institution.name.contains("Manchester") && !p.institution.name.contains("Cambridge"));
        assert_eq!(p.institution.time_zone, chrono_tz::Europe::London, "{}", e.name);
        assert_eq!(p.institution.academic_year_end.to_string(), "07-31");
        // APPT-05: three contacts with a consultant in any four-week period.
        assert_eq!(
            p.fair_use,
            FairUse {
                max_contacts: 3,
                window_days: 28
            }
        );
        // DATA-08: numbers under 5 suppressed.
        assert_eq!(p.reports.suppression_threshold, 5);
        // DATA-03: two months.
        assert_eq!(p.retention.enquiry_days, 61);
        // APPT-09: reminders only when booked more than a day ahead.
        assert_eq!(p.reminders.min_lead_hours, 24);

        // APPT-07 / APPT-05: the three common appointment types.
        let guidance = p.appointment_type("guidance").unwrap();
        assert_eq!(guidance.name, "Careers guidance");
        assert!(guidance.consultant_led);
        assert_eq!(guidance.setting, Setting::Confidential);
        let applications = p.appointment_type("applications").unwrap();
        assert_eq!(applications.name, "Applications advice");
        assert!(applications.consultant_led);
        assert_eq!(applications.setting, Setting::Open);
        let drop_in = p.appointment_type("drop-in").unwrap();
        assert_eq!(drop_in.name, "Drop-in");
        assert!(!drop_in.consultant_led);
        assert_eq!(drop_in.setting, Setting::Open);
        assert_eq!(drop_in.minutes, 15);

        // Locations: confidential and open ones, and an online room (APPT-07, APPT-08).
        assert!(p.locations.iter().any(|l| l.confidential && !l.online));
        assert!(p.locations.iter().any(|l| !l.confidential));
        assert!(p.locations.iter().any(|l| l.online));
        assert!(p.location("careers-desk").is_some_and(|l| !l.confidential));

        // Terms of 2026/27 and one peak period (APPT-06).
        assert_eq!(p.terms.len(), 3);
        assert!(p.term_containing(d("2026-10-15")).is_some());
        assert!(p.term_containing(d("2027-02-15")).is_some());
        assert!(p.term_containing(d("2027-05-15")).is_some());
        assert_eq!(p.peak_periods.len(), 1);
    }
}

#[test]
fn data_02_standard_example_keeps_data_6_years_from_end_of_academic_year() {
    let p = load_example("standard");
    assert_eq!(p.retention.years, 6);
    assert_eq!(p.retention_until(d("2026-06-19")), d("2032-07-31"));
}

#[test]
fn data_02_alumni_partnership_example_keeps_data_3_years() {
    let p = load_example("alumni-partnership");
    assert_eq!(p.retention.years, 3);
    assert_eq!(p.retention_until(d("2026-06-19")), d("2029-07-31"));
}

#[test]
fn data_02_interview_notes_example_keeps_data_5_years() {
    let p = load_example("interview-notes-5y");
    assert_eq!(p.retention.years, 5);
    assert_eq!(p.retention_until(d("2026-06-19")), d("2031-07-31"));
}

#[test]
fn data_02_retention_counts_from_end_of_academic_year() {
    let p = load_example("standard");
    // Finishing on the last day or the first day after it lands in different academic years.
    assert_eq!(p.retention_until(d("2026-07-31")), d("2032-07-31"));
    assert_eq!(p.retention_until(d("2026-08-01")), d("2033-07-31"));
}

#[test]
fn appt_01_standard_example_allocations_and_eligibility() {
    let p = load_example("standard");
    let guidance = p.appointment_type("guidance").unwrap();
    assert_eq!(guidance.allocation.count, 2);
    assert_eq!(guidance.allocation.period, AllocationPeriod::Term);
    assert_eq!(guidance.eligibility.levels, [Level::Ug, Level::Pgt, Level::Pgr]);
    assert_eq!(guidance.eligibility.statuses, [Status::Student, Status::Graduate]);
    let drop_in = p.appointment_type("drop-in").unwrap();
    assert_eq!(drop_in.allocation.period, AllocationPeriod::Days(7));
    let mock = p.appointment_type("mock-interview").unwrap();
    assert_eq!(mock.eligibility.activities[0].activity, "interview-workshop");
    assert_eq!(mock.eligibility.activities[0].min, 1);
}

#[test]
fn appt_06_peak_period_tightens_fair_use() {
    let p = load_example("standard");
    assert_eq!(p.fair_use_on(d("2026-09-30")).max_contacts, 3);
    assert_eq!(p.fair_use_on(d("2026-10-20")).max_contacts, 2);
    assert_eq!(p.fair_use_on(d("2026-12-01")).max_contacts, 3);
}

#[test]
fn bad_time_zone_is_reported_with_its_line_and_field() {
    let text = STANDARD.replace("\"Europe/London\"", "\"Europe/Lundon\"");
    let errors = errors_of(&text);
    assert_eq!(errors.0.len(), 1, "{errors}");
    let e = the_error(&errors, "institution.time_zone");
    assert_eq!(e.file, "policy.toml");
    assert_eq!(e.line, Some(line_containing(&text, "Europe/Lundon")));
    assert!(e.message.contains("Europe/Lundon"), "{}", e.message);
    let shown = errors.to_string();
    assert!(
        shown.starts_with(&format!("policy.toml:{}: institution.time_zone: ", e.line.unwrap())),
        "{shown}"
    );
}

#[test]
fn syntax_error_reports_a_line() {
    let text = STANDARD.replace("years = 6 ", "years = = 6 ");
    let errors = errors_of(&text);
    assert_eq!(errors.0.len(), 1, "{errors}");
    let e = &errors.0[0];
    assert_eq!(e.line, Some(line_containing(&text, "years = = 6")));
    assert_eq!(e.field, "retention.years");
    assert!(e.message.contains("syntax"), "{}", e.message);
}

#[test]
fn unterminated_string_reports_a_line() {
    let text = STANDARD.replace("name = \"Drop-in\"", "name = \"Drop-in");
    let errors = errors_of(&text);
    assert_eq!(errors.0[0].line, Some(line_containing(&text, "name = \"Drop-in")));
}

#[test]
fn misspelt_field_is_reported_with_its_line() {
    let text = STANDARD.replace("idle_lock_minutes = 5", "idle_lock_minuets = 5");
    let errors = errors_of(&text);
    let e = the_error(&errors, "security.idle_lock_minuets");
    assert_eq!(e.line, Some(line_containing(&text, "idle_lock_minuets")));
    assert!(e.message.contains("unknown field"), "{}", e.message);
}

#[test]
fn misspelt_field_in_an_appointment_type_names_the_entry() {
    let text = STANDARD.replace("consultant_led = false ", "consultant_lead = false ");
    let errors = errors_of(&text);
    let e = the_error(&errors, "appointment_types[3].consultant_lead");
    assert_eq!(e.line, Some(line_containing(&text, "consultant_lead")));
}

#[test]
fn wrong_type_and_missing_field_are_reported() {
    let text = STANDARD.replace("years = 6", "years = \"six\"");
    let e = &errors_of(&text).0[0];
    assert_eq!(e.field, "retention.years");
    assert_eq!(e.line, Some(line_containing(&text, "\"six\"")));

    let text = STANDARD.replace("setting = \"open\"                   # APPT-07: drop-ins", "# ");
    let errors = errors_of(&text);
    let e = the_error(&errors, "appointment_types[3].setting");
    assert!(e.message.contains("missing field"), "{}", e.message);
    assert!(e.line.is_some());
}

#[test]
fn missing_section_is_reported_without_a_line() {
    let text = MINIMAL.replace("[retention]\nyears = 6\n", "");
    let errors = errors_of(&text);
    assert_eq!(errors.0.len(), 1, "{errors}");
    assert_eq!(errors.0[0].field, "retention");
    assert_eq!(errors.0[0].line, None);
    assert!(errors.0[0].message.contains("missing field"), "{errors}");
    let errors = errors_of("");
    assert_eq!(errors.0[0].field, "institution");
}

#[test]
fn unknown_setting_is_reported() {
    let text = STANDARD.replace(
        "setting = \"confidential\"           # APPT-07\n",
        "setting = \"private\"\n",
    );
    let errors = errors_of(&text);
    let e = the_error(&errors, "appointment_types[0].setting");
    assert_eq!(e.line, Some(line_containing(&text, "\"private\"")));
}

#[test]
fn duplicate_appointment_type_id_is_reported() {
    let text = STANDARD.replace("id = \"applications\"", "id = \"guidance\"");
    let errors = errors_of(&text);
    assert_eq!(errors.0.len(), 1, "{errors}");
    let e = the_error(&errors, "appointment_types[1].id");
    assert!(e.message.contains("duplicate"), "{}", e.message);
    let second = text.match_indices("id = \"guidance\"").nth(1).unwrap().0;
    assert_eq!(e.line, Some(text[..second].lines().count() + 1));
}

#[test]
fn several_errors_are_all_reported_at_once() {
    let text = STANDARD
        .replace("\"Europe/London\"", "\"Nowhere/Special\"")
        .replace("years = 6", "years = 0")
        .replace("suppression_threshold = 5", "suppression_threshold = 1")
        .replace("period = \"7 days\"", "period = \"weekly\"")
        .replace("id = \"careers-desk\"", "id = \"Careers Desk\"")
        .replace("end = \"2026-12-11\"", "end = \"2027-01-20\"");
    let errors = errors_of(&text);
    let want = [
        ("institution.time_zone", "Nowhere/Special"),
        ("retention.years", "years = 0"),
        ("reports.suppression_threshold", "suppression_threshold = 1"),
        ("terms[1].start", "start = \"2027-01-18\""),
        ("locations[4].id", "Careers Desk"),
        ("appointment_types[3].allocation.period", "\"weekly\""),
    ];
    assert_eq!(errors.0.len(), want.len(), "{errors}");
    for (field, needle) in want {
        assert_eq!(
            the_error(&errors, field).line,
            Some(line_containing(&text, needle)),
            "{field}"
        );
    }
    // Errors come in line order, one per line of the display.
    let lines: Vec<_> = errors.0.iter().map(|e| e.line.unwrap()).collect();
    assert!(lines.windows(2).all(|w| w[0] <= w[1]));
    assert_eq!(errors.to_string().lines().count(), want.len());
}

#[test]
fn term_allocation_needs_terms() {
    let start = STANDARD.find("[[terms]]").unwrap();
    let end = STANDARD.find("# APPT-07: guidance").unwrap();
    let text = format!("{}{}", &STANDARD[..start], &STANDARD[end..]);
    let errors = errors_of(&text);
    assert_eq!(errors.0.len(), 2, "{errors}");
    assert!(errors.0.iter().all(|e| e.field.ends_with("allocation.period")));
}

#[test]
fn load_reads_a_file_and_names_it_in_errors() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.toml");
    std::fs::write(&good, STANDARD).unwrap();
    assert_eq!(Policy::load(&good).unwrap().retention.years, 6);

    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, STANDARD.replace("years = 6", "years = 99")).unwrap();
    let errors = Policy::load(&bad).unwrap_err();
    assert_eq!(errors.0[0].file, bad.display().to_string());
    assert!(errors.to_string().contains("bad.toml:"), "{errors}");
}

#[test]
fn load_of_a_missing_file_gives_a_clear_error() {
    let path = Path::new("/definitely/not/here/policy.toml");
    let errors = Policy::load(path).unwrap_err();
    assert_eq!(errors.0.len(), 1);
    let e = &errors.0[0];
    assert_eq!(e.file, "/definitely/not/here/policy.toml");
    assert_eq!(e.line, None);
    assert_eq!(e.field, "");
    assert!(e.message.contains("cannot read the policy file"), "{}", e.message);
    assert!(errors
        .to_string()
        .starts_with("/definitely/not/here/policy.toml: cannot read"));
}

// Semantic checks, on a minimal policy.

const MINIMAL: &str = r#"[institution]
name = "Example University Careers Service"
time_zone = "Europe/London"
academic_year_end = "07-31"

[retention]
years = 6

[[appointment_types]]
id = "guidance"
name = "Careers guidance"
consultant_led = true
minutes = 45
setting = "confidential"
[appointment_types.allocation]
count = 2
period = "academic-year"
"#;

/// Parses `text`; returns field, line and message of every error (none if it parses).
fn errors(text: &str) -> Vec<(String, Option<usize>, String)> {
    match Policy::parse(text, "p.toml") {
        Ok(_) => Vec::new(),
        Err(e) => e.0.into_iter().map(|e| (e.field, e.line, e.message)).collect(),
    }
}

fn fields(text: &str) -> Vec<String> {
    errors(text).into_iter().map(|(f, _, _)| f).collect()
}

#[test]
fn minimal_policy_gets_defaults() {
    let p = Policy::parse(MINIMAL, "p.toml").unwrap();
    assert_eq!(p.retention.enquiry_days, 61);
    assert_eq!(p.fair_use, FairUse::default());
    assert_eq!(p.no_show.block_days, 90);
    assert_eq!(p.reports.suppression_threshold, 5);
    assert_eq!(p.reminders.min_lead_hours, 24);
    assert_eq!(p.security.idle_lock_minutes, 5);
    assert_eq!(p.complaints.alert_threshold, 3);
    assert!(p.appointment_types[0].eligibility.is_open_to_all());
    // A policy written before automatic backups existed gets one a day, two weeks kept.
    assert!(p.backups.automatic);
    assert_eq!(p.backups.keep, 14);
}

#[test]
fn backups_keep_between_1_and_365_with_the_line_named() {
    for bad in ["0", "366"] {
        let text = MINIMAL.to_string() + &format!("[backups]\nautomatic = true\nkeep = {bad}\n");
        let errs = errors(&text);
        assert_eq!(errs.len(), 1, "{errs:?}");
        let (field, line, message) = &errs[0];
        assert_eq!(field, "backups.keep");
        assert_eq!(*line, Some(line_containing(&text, &format!("keep = {bad}"))));
        assert!(message.contains("between 1 and 365"), "{message}");
    }
    let p = Policy::parse(
        &(MINIMAL.to_string() + "[backups]\nautomatic = false\nkeep = 365\n"),
        "p.toml",
    )
    .unwrap();
    assert!(!p.backups.automatic);
    assert_eq!(p.backups.keep, 365);
    assert_eq!(
        fields(&(MINIMAL.to_string() + "[backups]\nautomatic = \"daily\"\n")),
        ["backups.automatic"]
    );
    assert_eq!(
        fields(&(MINIMAL.to_string() + "[backups]\nkept = 3\n")),
        ["backups.kept"]
    );
}

#[test]
fn numeric_ranges_are_checked() {
    let text = MINIMAL.replace("years = 6", "years = 51\nenquiry_days = 0")
        + "[fair_use]\nmax_contacts = 0\nwindow_days = 0\n"
        + "[no_show]\nconcern_threshold = 3\nblock_threshold = 2\nlook_back_days = 0\nblock_days = 0\n"
        + "[reports]\nsuppression_threshold = 1\n"
        + "[reminders]\nmin_lead_hours = 0\nsend_hours_before = 0\n"
        + "[security]\nidle_lock_minutes = 241\n"
        + "[complaints]\nalert_threshold = 0\n";
    let mut got = fields(&text);
    got.sort();
    let mut want = vec![
        "retention.years",
        "retention.enquiry_days",
        "fair_use.max_contacts",
        "fair_use.window_days",
        "no_show.block_threshold",
        "no_show.look_back_days",
        "no_show.block_days",
        "reports.suppression_threshold",
        "reminders.min_lead_hours",
        "reminders.send_hours_before",
        "security.idle_lock_minutes",
        "complaints.alert_threshold",
    ];
    want.sort();
    assert_eq!(got, want);
}

#[test]
fn appt_04_concern_threshold_must_be_at_least_one() {
    let text = MINIMAL.to_string() + "[no_show]\nconcern_threshold = 0\n";
    assert_eq!(fields(&text), ["no_show.concern_threshold"]);
}

#[test]
fn academic_year_end_must_exist_every_year() {
    let text = MINIMAL.replace("\"07-31\"", "\"02-29\"");
    let e = errors(&text);
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].0, "institution.academic_year_end");
    assert_eq!(e[0].1, Some(4));
}

#[test]
fn at_least_one_appointment_type() {
    let text = &MINIMAL[..MINIMAL.find("[[appointment_types]]").unwrap()];
    assert_eq!(fields(text), ["appointment_types"]);
}

#[test]
fn appointment_type_rules() {
    let text = MINIMAL
        .replace("minutes = 45", "minutes = 4")
        .replace("count = 2", "count = 0")
        .replace("\"academic-year\"", "\"term\"")
        + "[appointment_types.eligibility]\nprogrammes = [\" \"]\nschools = [\"\"]\n"
        + "[[appointment_types.eligibility.activities]]\nactivity = \"\"\nmin = 0\n";
    let mut got = fields(&text);
    got.sort();
    assert_eq!(
        got,
        [
            "appointment_types[0].allocation.count",
            "appointment_types[0].allocation.period",
            "appointment_types[0].eligibility.activities[0].activity",
            "appointment_types[0].eligibility.activities[0].min",
            "appointment_types[0].eligibility.programmes[0]",
            "appointment_types[0].eligibility.schools[0]",
            "appointment_types[0].minutes",
        ]
    );
}

#[test]
fn location_ids_are_kebab_case_and_unique() {
    let text = MINIMAL.to_string()
        + "[[locations]]\nid = \"pod\"\nname = \"Pod\"\n"
        + "[[locations]]\nid = \"pod\"\nname = \"Pod again\"\n"
        + "[[locations]]\nid = \"Pod_3\"\nname = \"\"\n";
    let e = errors(&text);
    let got: Vec<_> = e.iter().map(|(f, l, _)| (f.as_str(), *l)).collect();
    assert_eq!(
        got,
        [
            ("locations[1].id", Some(22)),
            ("locations[2].id", Some(25)),
            ("locations[2].name", Some(26)),
        ]
    );
    assert!(e[0].2.contains("duplicate id `pod`"));
}

#[test]
fn terms_and_peaks_must_run_forwards_and_terms_must_not_overlap() {
    let text = MINIMAL.to_string()
        + "[[terms]]\nname = \"A\"\nstart = \"2026-09-01\"\nend = \"2026-12-01\"\n"
        + "[[terms]]\nname = \"B\"\nstart = \"2026-11-01\"\nend = \"2027-01-01\"\n"
        + "[[terms]]\nname = \"C\"\nstart = \"2027-05-01\"\nend = \"2027-04-01\"\n"
        + "[[peak_periods]]\nname = \"P\"\nfrom = 2026-10-02\nto = 2026-10-01\n"
        + "max_contacts = 0\nwindow_days = 0\n";
    let got = fields(&text);
    assert_eq!(
        got,
        [
            "terms[1].start",
            "terms[2].end",
            "peak_periods[0].to",
            "peak_periods[0].max_contacts",
            "peak_periods[0].window_days",
        ]
    );
}

// Value types.

#[test]
fn month_day_refuses_days_missing_from_some_years() {
    assert_eq!("07-31".parse::<MonthDay>().unwrap(), MonthDay::new(7, 31).unwrap());
    assert_eq!(MonthDay::new(7, 31).unwrap().to_string(), "07-31");
    for bad in ["02-29", "04-31", "13-01", "00-10", "7-31", "07/31", "07-31x", ""] {
        assert!(bad.parse::<MonthDay>().is_err(), "{bad} accepted");
    }
}

#[test]
fn appt_01_allocation_periods_parse_and_display() {
    assert_eq!("term".parse(), Ok(AllocationPeriod::Term));
    assert_eq!("academic-year".parse(), Ok(AllocationPeriod::AcademicYear));
    assert_eq!("28 days".parse(), Ok(AllocationPeriod::Days(28)));
    assert_eq!("1 day".parse(), Ok(AllocationPeriod::Days(1)));
    for bad in ["0 days", "days", "7", "7 weeks", "fortnight", "-1 days"] {
        assert!(bad.parse::<AllocationPeriod>().is_err(), "{bad} accepted");
    }
    assert_eq!(AllocationPeriod::Days(7).to_string(), "7 days");
}

#[test]
fn ids_display_as_their_text() {
    let p = load_example("standard");
    assert_eq!(p.appointment_types[0].id.to_string(), "guidance");
    assert_eq!(p.locations[0].id.as_str(), "atrium-pod-1");
}

#[test]
fn figures_above_their_upper_bounds_are_refused_before_they_can_overflow() {
    let text = MINIMAL.replace("years = 6", "years = 6\nenquiry_days = 4000000000")
        + "[fair_use]\nmax_contacts = 1001\nwindow_days = 367\n"
        + "[no_show]\nconcern_threshold = 2\nblock_threshold = 1001\nlook_back_days = 3661\nblock_days = 3661\n"
        + "[reports]\nsuppression_threshold = 1001\n"
        + "[reminders]\nmin_lead_hours = 673\nsend_hours_before = 4294967295\n"
        + "[complaints]\nalert_threshold = 1001\n";
    let errors = errors(&text);
    let mut got: Vec<&str> = errors.iter().map(|(f, _, _)| f.as_str()).collect();
    got.sort();
    let mut want = vec![
        "retention.enquiry_days",
        "fair_use.max_contacts",
        "fair_use.window_days",
        "no_show.block_threshold",
        "no_show.look_back_days",
        "no_show.block_days",
        "reports.suppression_threshold",
        "reminders.min_lead_hours",
        "reminders.send_hours_before",
        "complaints.alert_threshold",
    ];
    want.sort();
    assert_eq!(got, want);
    let (_, line, message) = errors
        .iter()
        .find(|(f, _, _)| f == "reminders.send_hours_before")
        .unwrap();
    assert_eq!(*line, Some(line_containing(&text, "send_hours_before")));
    assert_eq!(message, "must be between 1 and 672, found 4294967295");
}

#[test]
fn names_ids_and_dates_in_a_policy_have_limits() {
    let long = "n".repeat(201);
    let text = MINIMAL
        .replace("Example University Careers Service", "Careers\\u001b[31m")
        .replace("name = \"Careers guidance\"", &format!("name = \"{long}\""))
        .replace("id = \"guidance\"", &format!("id = \"{}\"", "g".repeat(65)))
        .replace(
            "count = 2\nperiod = \"academic-year\"",
            "count = 1001\nperiod = \"4000 days\"",
        )
        + "[[terms]]\nname = \"Far\"\nstart = 2999-01-01\nend = 2999-02-01\n";
    let mut got = fields(&text);
    got.sort();
    let mut want = vec![
        "institution.name",
        "appointment_types[0].name",
        "appointment_types[0].id",
        "appointment_types[0].allocation.count",
        "appointment_types[0].allocation.period",
        "terms[0].start",
        "terms[0].end",
    ];
    want.sort();
    assert_eq!(got, want);
    let all = errors(&text);
    let name = all.iter().find(|(f, _, _)| f == "institution.name").unwrap();
    assert!(name.2.contains("`\\x1b`"), "{}", name.2);
}

#[test]
fn a_policy_text_over_the_size_limit_is_refused_before_parsing() {
    let text = format!("{MINIMAL}# {}\n", "x".repeat(careerdesk::policy::MAX_POLICY_BYTES));
    let errors = errors(&text);
    assert_eq!(errors.len(), 1);
    assert!(errors[0].2.contains("at most 262144 bytes"), "{}", errors[0].2);
}

#[test]
fn locations_hold_one_slot_unless_a_capacity_says_more_and_online_rooms_have_no_limit() {
    let p = load_example("standard");
    let limit = |id: &str| p.location(id).unwrap().room_limit();
    assert_eq!(limit("atrium-pod-1"), Some(1));
    assert_eq!(limit("atrium-open-area"), Some(6));
    assert_eq!(limit("careers-desk"), Some(2));
    assert_eq!(limit("online"), None);
    for e in EXAMPLES {
        let p = load_example(e.name);
        let open_area = p.location("atrium-open-area").unwrap();
        assert!(open_area.room_limit() > Some(1), "{}: open areas hold several", e.name);
    }
    let text = format!(
        "{MINIMAL}\n[[locations]]\nid = \"room\"\nname = \"Room\"\ncapacity = 0\n\n[[locations]]\nid = \"hall\"\nname = \"Hall\"\ncapacity = 5000\n"
    );
    let errors = errors(&text);
    let line = |needle: &str| Some(line_containing(&text, needle));
    assert_eq!(
        errors,
        [
            (
                "locations[0].capacity".to_string(),
                line("capacity = 0"),
                "must be between 1 and 1000, found 0".to_string()
            ),
            (
                "locations[1].capacity".to_string(),
                line("capacity = 5000"),
                "must be between 1 and 1000, found 5000".to_string()
            ),
        ]
    );
}

#[test]
fn closures_are_a_date_or_a_range_and_a_bad_one_names_its_field() {
    let p = load_example("standard");
    let closed = |date: &str| p.closure_on(d(date)).map(|c| c.name.clone());
    assert_eq!(closed("2026-12-24").as_deref(), Some("Winter closure"));
    assert_eq!(closed("2027-01-01").as_deref(), Some("Winter closure"));
    assert_eq!(closed("2027-01-02"), None);
    assert_eq!(closed("2027-03-26").as_deref(), Some("Good Friday"));
    let ok = format!("{MINIMAL}\n[[closures]]\nname = \"Open day\"\ndate = 2027-05-01\n");
    assert_eq!(Policy::parse(&ok, "p.toml").unwrap().closures[0].from, d("2027-05-01"));
    let both = format!(
        "{MINIMAL}\n[[closures]]\nname = \"A\"\ndate = \"2027-05-01\"\nfrom = \"2027-05-01\"\nto = \"2027-05-02\"\n"
    );
    assert_eq!(fields(&both), ["closures[0].date"]);
    let neither = format!("{MINIMAL}\n[[closures]]\nname = \"A\"\nfrom = \"2027-05-01\"\n");
    assert_eq!(fields(&neither), ["closures[0]"]);
    let backwards = format!("{MINIMAL}\n[[closures]]\nname = \"A\"\nfrom = \"2027-05-03\"\nto = \"2027-05-01\"\n");
    let e = errors(&backwards);
    assert_eq!(e[0].0, "closures[0].to");
    assert_eq!(e[0].1, Some(line_containing(&backwards, "to = \"2027-05-01\"")));
    let unnamed = format!("{MINIMAL}\n[[closures]]\nname = \" \"\ndate = \"2027-05-01\"\n");
    assert_eq!(fields(&unnamed), ["closures[0].name"]);
    let not_a_date = format!("{MINIMAL}\n[[closures]]\nname = \"A\"\ndate = \"first of May\"\n");
    let e = errors(&not_a_date);
    assert_eq!(e.len(), 1);
    assert!(e[0].2.contains("not a date"), "{:?}", e[0]);
}

#[test]
fn evt_01_clash_gap_defaults_to_a_day_and_is_checked() {
    assert_eq!(load_example("standard").events.clash_gap_hours, 24);
    let text = STANDARD.to_string() + "\n[events]\nclash_gap_hours = 0\n";
    let p = Policy::parse(&text, "policy.toml").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(p.events.clash_gap_hours, 0);
    let text = STANDARD.to_string() + "\n[events]\nclash_gap_hours = 673\n";
    let errors = errors_of(&text);
    let e = the_error(&errors, "events.clash_gap_hours");
    assert_eq!(e.line, Some(line_containing(&text, "clash_gap_hours")));
}

#[test]
fn calendar_opening_hours_default_to_nine_to_five_and_are_checked() {
    let standard = load_example("standard").calendar;
    assert_eq!((standard.opens, standard.closes), (9 * 60, 17 * 60));
    let p = Policy::parse(MINIMAL, "p.toml").unwrap();
    assert_eq!(p.calendar, careerdesk::policy::OpeningHours::default());
    let set = MINIMAL.to_string() + "[calendar]\nopens = \"08:30\"\ncloses = \"24:00\"\n";
    let p = Policy::parse(&set, "p.toml").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((p.calendar.opens, p.calendar.closes), (8 * 60 + 30, 24 * 60));
    let bad = MINIMAL.to_string() + "[calendar]\nopens = \"9am\"\ncloses = \"25:00\"\n";
    let errors = errors_of(&bad);
    let e = the_error(&errors, "calendar.opens");
    assert!(
        e.message.contains("9am") && e.message.contains("HH:MM"),
        "{}",
        e.message
    );
    assert_eq!(e.line, Some(line_containing(&bad, "opens")));
    the_error(&errors, "calendar.closes");
    let backwards = MINIMAL.to_string() + "[calendar]\nopens = \"17:00\"\ncloses = \"09:00\"\n";
    let errors = errors_of(&backwards);
    let e = the_error(&errors, "calendar.closes");
    assert!(e.message.contains("not after the opening time"), "{}", e.message);
}

#[test]
fn sec_01_sign_in_limits_default_when_absent() {
    let p = Policy::parse(MINIMAL, "p.toml").unwrap();
    assert_eq!(p.sign_in.lock_after, 5);
    assert_eq!(p.sign_in.lock_minutes, 15);
    assert_eq!(p.sign_in.delay_seconds, 1);
    assert_eq!(p.sign_in.delay_cap_seconds, 30);
    let set = MINIMAL.to_string() + "[sign_in]\nlock_after = 3\nlock_minutes = 2\n";
    let p = Policy::parse(&set, "p.toml").unwrap();
    assert_eq!((p.sign_in.lock_after, p.sign_in.lock_minutes), (3, 2));
    assert_eq!(p.sign_in.delay_cap_seconds, 30);
}

#[test]
fn sec_01_sign_in_limits_are_checked_each_named() {
    let text = MINIMAL.to_string()
        + "[sign_in]\nlock_after = 0\nlock_minutes = 1441\ndelay_seconds = 601\ndelay_cap_seconds = 5\n";
    let mut got = fields(&text);
    got.sort();
    assert_eq!(
        got,
        [
            "sign_in.delay_cap_seconds",
            "sign_in.delay_seconds",
            "sign_in.lock_after",
            "sign_in.lock_minutes"
        ]
    );
    let errors = Policy::parse(&text, "p.toml").unwrap_err();
    let cap = the_error(&errors, "sign_in.delay_cap_seconds");
    assert!(cap.message.contains("at least delay_seconds (601)"), "{}", cap.message);
    assert_eq!(cap.line, Some(line_containing(&text, "delay_cap_seconds")));
    let typo = MINIMAL.to_string() + "[sign_in]\nlock_afterr = 3\n";
    let errors = Policy::parse(&typo, "p.toml").unwrap_err();
    assert_eq!(
        the_error(&errors, "sign_in.lock_afterr").line,
        Some(line_containing(&typo, "lock_afterr"))
    );
}

#[test]
fn sync_every_seconds_defaults_to_a_minute_and_is_checked() {
    assert_eq!(load_example("standard").sync.every_seconds, 60);
    assert_eq!(Policy::parse(MINIMAL, "p.toml").unwrap().sync.every_seconds, 60);
    let text = STANDARD.to_string() + "\n[sync]\nevery_seconds = 300\n";
    let p = Policy::parse(&text, "policy.toml").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(p.sync.every_seconds, 300);
    for bad in ["every_seconds = 9", "every_seconds = 3601", "every_seconds = 0"] {
        let text = STANDARD.to_string() + "\n[sync]\n" + bad + "\n";
        let errors = errors_of(&text);
        let e = the_error(&errors, "sync.every_seconds");
        assert_eq!(e.line, Some(line_containing(&text, "every_seconds")), "{bad}");
    }
    let text = STANDARD.to_string() + "\n[sync]\nevry_seconds = 60\n";
    assert!(
        Policy::parse(&text, "policy.toml").is_err(),
        "a misspelt setting is refused"
    );
}
