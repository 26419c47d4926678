//! Importing employers and vacancies from an employer portal's export (EMP-02): CSV or JSON,
//! bad rows named by line, all or nothing unless --skip-bad, duplicates merged never doubled,
//! imported employers marked self-registered, hostile files refused leaving the store as it was.

mod common;

use std::path::Path;

use careerdesk::desk::{Desk, DeskError, FileFormat, NewEmployer};
use careerdesk::domain::employer::{Employer, Vacancy};
use careerdesk::domain::operator::Role;
use common::{at, World};
use predicates::prelude::*;

fn world() -> World {
    World::new(
        at(2026, 11, 30, 9, 0),
        &[("er1", Role::EmployerRelations), ("desk1", Role::Desk)],
        &[],
    )
}

fn employers(desk: &Desk) -> Vec<Employer> {
    let mut all: Vec<Employer> = desk.store().scan::<Employer>().unwrap().map(Result::unwrap).collect();
    all.sort_by(|a, b| a.name.cmp(&b.name));
    all
}

fn vacancies(desk: &Desk) -> Vec<Vacancy> {
    desk.store().scan::<Vacancy>().unwrap().map(Result::unwrap).collect()
}

fn bad_lines(e: DeskError) -> Vec<u64> {
    match e {
        DeskError::BadRows(rows) => rows.iter().map(|r| r.line).collect(),
        other => panic!("expected bad rows, got {other}"),
    }
}

const GOOD_CSV: &str = "name,sector,website,tags\n\
Acme Engineering,engineering,https://acme.example/,graduate-scheme;placements\n\
Brightside Retail,retail,,\n";

#[test]
fn emp_02_employers_import_from_csv_and_json_marked_self_registered() {
    let w = world();
    let er = w.as_("er1");
    let r = er
        .import_employers(GOOD_CSV.as_bytes(), "portal.csv", FileFormat::Csv, false)
        .unwrap();
    assert_eq!((r.imported, r.merged), (2, 0));
    let json = r#"[
  {"name": "Cobalt Labs", "sector": "science", "website": "https://cobalt.example", "tags": ["research", "phd"]}
]"#;
    let format = FileFormat::detect("export", json.as_bytes());
    assert_eq!(format, FileFormat::Json, "sniffed by its first character");
    er.import_employers(json.as_bytes(), "export", format, false).unwrap();
    let all = employers(&er);
    assert_eq!(all.len(), 3);
    assert!(all.iter().all(|e| e.self_registered));
    assert_eq!(all[0].tags, ["graduate-scheme", "placements"]);
    assert_eq!(all[1].name, "Brightside Retail");
    assert_eq!(all[2].tags, ["phd", "research"], "tags are kept in alphabetical order");
    // Desk staff may not import employers.
    let desk = w.as_("desk1");
    let err = desk
        .import_employers(GOOD_CSV.as_bytes(), "portal.csv", FileFormat::Csv, false)
        .unwrap_err();
    assert_eq!(err.exit_code(), 4);
}

#[test]
fn emp_02_bad_rows_are_named_by_line_and_nothing_is_imported_unless_asked() {
    let w = world();
    let er = w.as_("er1");
    let csv = "name,sector,website,tags\n\
Acme Engineering,engineering,https://acme.example,\n\
,retail,,\n\
Cobalt Labs,science,not a website,\n\
Delta Foods,food,,\n";
    let err = er
        .import_employers(csv.as_bytes(), "p.csv", FileFormat::Csv, false)
        .unwrap_err();
    assert_eq!(err.exit_code(), 2);
    let text = err.to_string();
    assert!(
        text.contains("line 3: name: is required") && text.contains("line 4: website"),
        "{text}"
    );
    assert_eq!(bad_lines(err), [3, 4]);
    assert!(employers(&er).is_empty(), "nothing imported");
    let r = er
        .import_employers(csv.as_bytes(), "p.csv", FileFormat::Csv, true)
        .unwrap();
    assert_eq!(r.imported, 2);
    assert_eq!(r.skipped.iter().map(|s| s.line).collect::<Vec<_>>(), [3, 4]);
    // JSON rows are numbered by the line their object starts on.
    let json = "[\n  {\"name\": \"Echo\", \"sector\": \"media\"},\n  {\"name\": \"Foxtrot\"}\n]";
    let err = er
        .import_employers(json.as_bytes(), "p.json", FileFormat::Json, false)
        .unwrap_err();
    assert_eq!(bad_lines(err), [3]);
}

#[test]
fn emp_02_duplicates_are_merged_with_the_store_and_refused_within_a_file_never_doubled() {
    let w = world();
    let er = w.as_("er1");
    let held = er
        .add_employer(&NewEmployer {
            name: "Acme Engineering".into(),
            sector: "engineering".into(),
            website: Some("https://acme.example".into()),
            tags: vec!["fairs".into()],
            ..NewEmployer::default()
        })
        .unwrap();
    assert!(!held.self_registered);
    // The same name and website in another case, with a trailing slash: merged.
    let csv = "name,sector,website,tags\nACME engineering,engineering,HTTPS://ACME.EXAMPLE/,placements\n";
    let r = er
        .import_employers(csv.as_bytes(), "p.csv", FileFormat::Csv, false)
        .unwrap();
    assert_eq!((r.imported, r.merged), (0, 1));
    let all = employers(&er);
    assert_eq!(all.len(), 1, "never doubled");
    assert_eq!(all[0].id, held.id);
    assert_eq!(all[0].tags, ["fairs", "placements"]);
    assert!(all[0].self_registered, "it has registered itself through the portal");
    // Twice in one file: the second is a bad row naming the first.
    let twice = "name,sector,website\nZulu Ltd,retail,https://zulu.example\nzulu ltd,retail,https://zulu.example/\n";
    let err = er
        .import_employers(twice.as_bytes(), "p.csv", FileFormat::Csv, false)
        .unwrap_err();
    assert!(
        err.to_string().contains("line 3") && err.to_string().contains("first on line 2"),
        "{err}"
    );
    let r = er
        .import_employers(twice.as_bytes(), "p.csv", FileFormat::Csv, true)
        .unwrap();
    assert_eq!(r.imported, 1);
    assert_eq!(employers(&er).len(), 2);
    // Imported again: merged, still two.
    er.import_employers(twice.as_bytes(), "p.csv", FileFormat::Csv, true)
        .unwrap();
    assert_eq!(employers(&er).len(), 2);
}

#[test]
fn emp_02_vacancies_name_their_employer_and_an_unknown_employer_is_a_bad_row() {
    let w = world();
    let er = w.as_("er1");
    er.import_employers(GOOD_CSV.as_bytes(), "portal.csv", FileFormat::Csv, false)
        .unwrap();
    let acme = employers(&er).into_iter().next().unwrap();
    let csv = format!(
        "employer,title,closes,url\n\
acme engineering,Graduate engineer,2027-01-31,https://acme.example/jobs/1\n\
{},Summer placement,,\n\
Nobody Ltd,Analyst,,\n\
Brightside Retail,Store manager,31/01/2027,\n",
        acme.id
    );
    let err = er
        .import_vacancies(csv.as_bytes(), "v.csv", FileFormat::Csv, false)
        .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("line 4") && text.contains("Nobody Ltd"), "{text}");
    assert_eq!(bad_lines(err), [4, 5]);
    assert!(vacancies(&er).is_empty());
    let r = er
        .import_vacancies(csv.as_bytes(), "v.csv", FileFormat::Csv, true)
        .unwrap();
    assert_eq!(r.imported, 2);
    let held = vacancies(&er);
    assert!(held.iter().all(|v| v.employer == acme.id && v.self_uploaded));
    // The same file again adds nothing.
    let r = er
        .import_vacancies(csv.as_bytes(), "v.csv", FileFormat::Csv, true)
        .unwrap();
    assert_eq!((r.imported, r.merged), (0, 2));
    assert_eq!(vacancies(&er).len(), 2);
}

fn cli_store(dir: &Path) {
    common::cli_init_with(dir, &[("er1", "employer-relations")]);
}

fn snapshot(dir: &Path) -> String {
    let out = common::as_op(dir, "er1")
        .args(["--format", "json", "employer", "find"])
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn emp_02_import_from_the_command_line_and_hostile_files_leave_the_store_as_it_was() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    cli_store(dir);
    let er = || common::as_op(dir, "er1");
    let good = dir.join("employers.csv");
    std::fs::write(&good, GOOD_CSV).unwrap();
    er().args(["import", "employers", good.to_str().unwrap()])
        .assert()
        .success()
        .stdout(predicate::str::contains("imported 2 employer(s)"));
    let vac = dir.join("vacancies.json");
    std::fs::write(
        &vac,
        r#"[{"employer": "Acme Engineering", "title": "Graduate engineer", "closes": "2027-01-31"}]"#,
    )
    .unwrap();
    er().args(["import", "vacancies", vac.to_str().unwrap()])
        .assert()
        .success()
        .stdout(predicate::str::contains("imported 1 vacancy(ies)"));
    let before = snapshot(dir);
    let huge = format!("name,sector\n{},retail\n", "A".repeat(100_000));
    let hostile: [(&str, Vec<u8>, &str); 5] = [
        (
            "formula.csv",
            b"name,sector\n=HYPERLINK(\"http://x.example\"),retail\nFine Ltd,retail\n".to_vec(),
            "line 2",
        ),
        (
            "formula.json",
            br#"[{"name": "Fine Ltd", "sector": "+cmd|' /C calc'!A0"}]"#.to_vec(),
            "line 1",
        ),
        ("huge.csv", huge.into_bytes(), "line 2"),
        ("latin1.csv", b"name,sector\nCaf\xe9 Ltd,food\n".to_vec(), "line 2"),
        (
            "broken.json",
            b"[{\"name\": \"Open Ltd\",\n \"sector\": ".to_vec(),
            "line 2",
        ),
    ];
    for (name, bytes, line) in hostile {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        er().args(["import", "employers", path.to_str().unwrap()])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(line).and(predicate::str::contains("mport")));
    }
    let utf16 = dir.join("utf16.csv");
    std::fs::write(&utf16, b"\xff\xfen\x00a\x00m\x00e\x00").unwrap();
    er().args(["import", "vacancies", utf16.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("UTF-8"));
    er().args(["import", "employers", dir.join("missing.csv").to_str().unwrap()])
        .assert()
        .code(2);
    assert_eq!(snapshot(dir), before, "the store is as it was");
    common::as_op(dir, "admin")
        .args(["employer", "show", "Acme Engineering"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("self-registered")
                .and(predicate::str::contains("yes"))
                .and(predicate::str::contains("Graduate engineer  (closes 2027-01-31)")),
        );
}
