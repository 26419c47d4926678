//! Drawing the employers pane: list rows, the profile (ownership and the liaison gate, the
//! contact-time chart, contacts, vacancies, complaints with the supervisors' flag, engagement
//! notes) and the busiest employers.

use ratatui::text::{Line, Span};

use crate::desk::{BusyEmployer, EmployerProfile};
use crate::domain::contact_chart::ContactChart;
use crate::domain::employer::{Employer, EngagementKind, Ownership};
use crate::ui::theme::Theme;

use super::{Complaints, EmployersPane};
use crate::domain::records::ComplaintSubject;

impl EmployersPane {
    /// "★ key account (owner: login)", "multi-owner" or nothing (EMP-03, EMP-05).
    pub(super) fn ownership_mark(&self, e: &Employer) -> Option<String> {
        match e.ownership {
            Ownership::KeyAccount { owner } => Some(format!("★ key account (owner: {})", self.login(owner))),
            Ownership::MultiOwner => Some("◇ multi-owner".into()),
            Ownership::Open => None,
        }
    }

    /// A list row; when `width` is too narrow for the full mark, "★ owner" or "◇ multi-owner".
    pub(super) fn row(&self, e: &Employer, width: usize, th: &Theme) -> Line<'static> {
        let mut spans = vec![Span::raw(e.name.clone())];
        if let Some(mut m) = self.ownership_mark(e) {
            if e.name.chars().count() + 2 + m.chars().count() > width {
                if let Ownership::KeyAccount { owner } = e.ownership {
                    m = format!("★ {}", self.login(owner));
                }
            }
            spans.push(Span::styled(format!("  {m}"), th.warn));
        }
        if !e.tags.is_empty() {
            spans.push(Span::styled(format!("  {}", hashtags(&e.tags)), th.dim));
        }
        Line::from(spans)
    }

    /// The selected employer's profile as lines.
    pub(super) fn profile_lines(&self, p: &EmployerProfile, width: usize, th: &Theme) -> Vec<Line<'static>> {
        let e = &p.employer;
        let mut lines = vec![Line::styled(e.name.clone(), th.title)];
        let registered = if e.self_registered { " · self-registered" } else { "" };
        lines.push(Line::raw(format!(
            "Sector: {} · Website: {}{registered}",
            e.sector,
            e.website.clone().unwrap_or_else(|| "-".into())
        )));
        let tags = if e.tags.is_empty() {
            "-".to_string()
        } else {
            hashtags(&e.tags)
        };
        lines.push(Line::raw(format!("Tags: {tags}")));
        match e.ownership {
            Ownership::KeyAccount { owner } => {
                let name = self
                    .staff
                    .get(&owner)
                    .map_or(String::new(), |s| format!(" ({})", s.name));
                lines.push(Line::styled(
                    format!("Ownership: ★ key account, owner {}{name}", self.login(owner)),
                    th.text,
                ));
                if owner == self.me {
                    lines.push(Line::styled("You own this key account.", th.good));
                } else {
                    lines.push(Line::styled(
                        format!(
                            "Key account: liaise with {} before contacting its key contacts (EMP-04)",
                            self.login(owner)
                        ),
                        th.warn,
                    ));
                }
            }
            Ownership::MultiOwner => {
                lines.push(Line::raw("Ownership: ◇ multi-owner, no single owner (EMP-05)"));
                lines.push(Line::styled(
                    "Check the recent engagement notes below before making contact.",
                    th.dim,
                ));
            }
            Ownership::Open => lines.push(Line::raw("Ownership: open, anyone may make contact")),
        }
        if let Some(chart) = &self.chart {
            lines.push(Line::raw(""));
            lines.extend(chart_lines(chart, width, th));
        }
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            format!("Contacts ({}) · * = key contact", p.contacts.len()),
            th.title,
        ));
        if p.contacts.is_empty() {
            lines.push(Line::styled("  none recorded", th.dim));
        }
        for c in &p.contacts {
            let mut details: Vec<String> = Vec::new();
            if let Some(t) = &c.title {
                details.push(t.clone());
            }
            if let Some(m) = &c.email {
                details.push(m.to_string());
            }
            if let Some(ph) = &c.phone {
                details.push(ph.to_string());
            }
            let (seen, style) = if c.visible_to_students {
                ("◉ visible to students", th.text)
            } else {
                ("⊘ hidden from students", th.dim)
            };
            lines.push(Line::from(vec![
                Span::styled(format!("  {}", c.display_name()), th.text),
                Span::styled(format!(" · {seen}"), style),
            ]));
            if !details.is_empty() {
                lines.push(Line::styled(format!("      {}", details.join(" · ")), th.dim));
            }
            if !c.guidance.trim().is_empty() {
                lines.push(Line::styled(format!("      guidance: {}", c.guidance.trim()), th.warn));
            }
        }
        lines.push(Line::raw(""));
        lines.push(Line::styled(format!("Vacancies ({})", p.vacancies.len()), th.title));
        if p.vacancies.is_empty() {
            lines.push(Line::styled("  none advertised", th.dim));
        }
        for (i, v) in p.vacancies.iter().enumerate() {
            let closes = v.closes.map_or_else(
                || "open-ended".to_string(),
                |d| format!("closes {}", d.format("%-d %b %Y")),
            );
            let uploaded = if v.self_uploaded {
                " · uploaded by the employer"
            } else {
                ""
            };
            lines.push(Line::from(vec![
                Span::styled(format!("  {}. {}", i + 1, v.title), th.text),
                Span::styled(format!(" · {closes}{uploaded}"), th.dim),
            ]));
            if let Some(url) = &v.url {
                lines.push(Line::styled(format!("      {url}"), th.dim));
            }
        }
        lines.extend(self.complaint_lines(th));
        lines.push(Line::raw(""));
        lines.push(Line::styled(format!("Engagement ({})", p.engagement.len()), th.title));
        if p.engagement.is_empty() {
            lines.push(Line::styled("  none recorded", th.dim));
        }
        for n in &p.engagement {
            let kind = match (n.kind, n.liaised_with) {
                (EngagementKind::Liaison, Some(o)) => format!("liaison with {}", self.login(o)),
                (k, _) => kind_word(k).to_string(),
            };
            lines.push(Line::from(vec![
                Span::styled(
                    format!(
                        "  {} {kind} · {}: ",
                        n.at.with_timezone(&self.tz).format("%Y-%m-%d"),
                        self.login(n.author)
                    ),
                    th.dim,
                ),
                Span::raw(n.text.clone()),
            ]));
        }
        lines
    }
}

impl EmployersPane {
    /// The complaints about the employer on show (CMP-01): for a supervisor the flag first,
    /// then each with its date, the student and whether it may be taken up.
    fn complaint_lines(&self, th: &Theme) -> Vec<Line<'static>> {
        let mut lines = vec![Line::raw("")];
        match &self.complaints {
            Complaints::None => {}
            Complaints::Refused(why) => {
                lines.push(Line::styled("Complaints", th.title));
                lines.push(Line::styled(format!("  not shown to your role: {why}"), th.dim));
            }
            Complaints::Failed(e) => {
                lines.push(Line::styled("Complaints", th.title));
                lines.push(Line::styled(format!("  could not be read: {e}"), th.bad));
            }
            Complaints::Shown(list, flag) => {
                lines.push(Line::styled(
                    format!("Complaints ({}) · C records one", list.len()),
                    th.title,
                ));
                if let Some(n) = flag {
                    lines.push(Line::styled(
                        format!(
                            "  ⚑ flagged to supervisors: {n} distinct student(s) complained (threshold {}); it may be taken up",
                            self.threshold
                        ),
                        th.warn,
                    ));
                }
                if list.is_empty() {
                    lines.push(Line::styled("  none recorded", th.dim));
                }
                for l in list {
                    let sn = l.student_number.as_ref().map_or("?".to_string(), |s| s.to_string());
                    let up = match (&l.complaint.subject, l.may_take_up) {
                        (ComplaintSubject::Employer { permission: true, .. }, _) => "permission to take it up",
                        (_, true) => "may be taken up (flagged)",
                        _ => "no permission to take it up",
                    };
                    lines.push(Line::from(vec![
                        Span::styled(
                            format!(
                                "  {} · {sn} · {up}: ",
                                l.complaint.received_at.with_timezone(&self.tz).format("%Y-%m-%d")
                            ),
                            th.dim,
                        ),
                        Span::raw(l.complaint.summary.clone()),
                    ]));
                }
            }
        }
        lines
    }
}

/// Tags as "#a #b".
pub(super) fn hashtags(tags: &[String]) -> String {
    tags.iter().map(|t| format!("#{t}")).collect::<Vec<_>>().join(" ")
}

/// The word for an engagement kind.
fn kind_word(k: EngagementKind) -> &'static str {
    match k {
        EngagementKind::Meeting => "meeting",
        EngagementKind::Call => "call",
        EngagementKind::Email => "e-mail",
        EngagementKind::Event => "event",
        EngagementKind::Liaison => "liaison",
        EngagementKind::Other => "other",
        EngagementKind::Fair => "fair",
        EngagementKind::Visit => "visit",
    }
}

/// The contact-time chart (EVT-04) in `width` columns: a heading, one character per week (the
/// latest weeks that fit when the pane is narrow), the Mondays under its ends, and the total
/// with the busiest week.
pub(super) fn chart_lines(chart: &ContactChart, width: usize, th: &Theme) -> Vec<Line<'static>> {
    let weeks = chart.weeks.len();
    let max = format!(" max {}", chart.max());
    let room = width.saturating_sub(2 + max.chars().count()).max(1);
    let shown = &chart.weeks[weeks.saturating_sub(room)..];
    let title = match shown.len() {
        n if n == weeks => format!("Weekly contacts (EVT-04) · last {weeks} weeks"),
        n => format!("Weekly contacts (EVT-04) · last {n} of {weeks}"),
    };
    let spark: String = chart.sparkline().chars().skip(weeks - shown.len()).collect();
    let mut lines = vec![
        Line::styled(title, th.title),
        Line::from(vec![
            Span::styled("  ", th.dim),
            Span::styled(spark, th.warn),
            Span::styled(max, th.dim),
        ]),
    ];
    if let (Some(first), Some(last)) = (shown.first(), shown.last()) {
        let (first, last) = (
            first.monday.format("%-d %b %Y").to_string(),
            format!("w/c {}", last.monday.format("%-d %b")),
        );
        let gap = shown
            .len()
            .saturating_sub(first.chars().count() + last.chars().count())
            .max(1);
        lines.push(Line::styled(format!("  {first}{}{last}", " ".repeat(gap)), th.dim));
    }
    lines.push(Line::styled(
        match chart.busiest_week() {
            Some(w) => format!(
                "  {} in all · busiest w/c {}: {}",
                chart.total(),
                w.monday.format("%-d %b"),
                w.contacts
            ),
            None => "  no contacts in these weeks".to_string(),
        },
        th.text,
    ));
    lines
}

/// The busiest employers as lines: rank, name, contacts and the chart; the selected row marked.
pub(super) fn busiest_lines(busy: &[BusyEmployer], selected: usize, th: &Theme) -> Vec<Line<'static>> {
    if busy.is_empty() {
        return vec![Line::styled("No employer has contacts in the last year.", th.dim)];
    }
    let mut lines = vec![Line::styled("enter shows the employer · esc goes back", th.dim)];
    for (i, b) in busy.iter().enumerate() {
        let (mark, style) = if i == selected {
            ("> ", th.selected)
        } else {
            ("  ", th.text)
        };
        lines.push(Line::styled(
            format!(
                "{mark}{:>2}. {} · {} contact(s)",
                i + 1,
                b.employer.name,
                b.chart.total()
            ),
            style,
        ));
        lines.push(Line::styled(format!("      {}", b.chart.sparkline()), th.warn));
    }
    lines
}
