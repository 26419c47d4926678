//! Reading a date typed into the calendar's go-to field.

use chrono::{Duration, NaiveDate};

/// A typed date: `YYYY-MM-DD`, `DD/MM/YYYY`, `today`, `tomorrow`, `yesterday`, or `+N`/`-N` days.
pub(super) fn parse_date(text: &str, today: NaiveDate) -> Result<NaiveDate, String> {
    let t = text.trim().to_lowercase();
    let relative = |n: i64| today.checked_add_signed(Duration::days(n));
    let parsed = match t.as_str() {
        "" => return Err("type a date as YYYY-MM-DD (e.g. 2026-12-01), or esc to close".into()),
        "today" => Some(today),
        "tomorrow" => relative(1),
        "yesterday" => relative(-1),
        _ if t.starts_with(['+', '-']) => t.parse::<i64>().ok().filter(|n| n.abs() <= 3660).and_then(relative),
        _ => NaiveDate::parse_from_str(&t, "%Y-%m-%d")
            .or_else(|_| NaiveDate::parse_from_str(&t, "%d/%m/%Y"))
            .ok(),
    };
    parsed.ok_or_else(|| {
        format!(
            "`{}` is not a date: type YYYY-MM-DD (e.g. {}), DD/MM/YYYY, today, tomorrow or +N days",
            text.trim(),
            today.format("%Y-%m-%d")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_in_several_forms_and_bad_ones_say_how_to_type_them() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap_or_default();
        assert_eq!(
            parse_date("2026-12-01", today),
            Ok(NaiveDate::from_ymd_opt(2026, 12, 1).unwrap_or_default())
        );
        assert_eq!(
            parse_date("01/12/2026", today),
            Ok(NaiveDate::from_ymd_opt(2026, 12, 1).unwrap_or_default())
        );
        assert_eq!(
            parse_date("tomorrow", today),
            Ok(NaiveDate::from_ymd_opt(2026, 12, 1).unwrap_or_default())
        );
        assert_eq!(
            parse_date("-1", today),
            Ok(NaiveDate::from_ymd_opt(2026, 11, 29).unwrap_or_default())
        );
        let err = parse_date("2026-13-01", today).unwrap_err();
        assert!(err.contains("not a date") && err.contains("YYYY-MM-DD"), "{err}");
    }
}
