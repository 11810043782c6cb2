//! Issued reports kept as sent (`report --issue`): the figures a period
//! report gave, in a form kept beside its file, and set against the same
//! report drawn again now, figure by figure, so a province can answer "why
//! does today's figure for 14/11 differ from the one we reported?" (events
//! that arrived late, a target changed).
//!
//! A figure is kept with its words and an exact integer: a count, a
//! percentage in hundredths, a pace in hundredths a day; the difference
//! is taken on those, never on rounded text.

use phuxanh_domain::{Day, UnitCode};
use phuxanh_store::{IssuedReport, NewIssuedReport, Result, Scope, Store, StoreError};
use serde::{Deserialize, Serialize};

use crate::compare::Window;
use crate::period::Chosen;
use crate::render::{Cell, Report, Sheet, columns};
use crate::summary::{Summary, summary};
use crate::vi;

/// What a figure is, for its difference's form.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Count,
    /// Hundredths of a percent; differences in percentage points.
    Percent,
    /// Hundredths (a pace a day).
    Decimal,
    Text,
}

/// One figure of a report: where it is, what it is, as it reads.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Figure {
    /// The part of the report: `Tổng hợp`, `Đơn vị trực thuộc`, `Từng ngày`.
    pub part: String,
    /// What it is: `Thu nhận`, `Huyện Thạnh Phú — Thu nhận`, `14/11/2023 — Kích hoạt`.
    pub label: String,
    pub kind: Kind,
    /// As the report wrote it: `822.139`, `88,33%`.
    pub text: String,
    /// The exact value of a number (a count; hundredths of a percent or a
    /// pace); none for text or an empty percentage.
    pub value: Option<i64>,
}

fn figure(part: &str, label: String, cell: &Cell) -> Option<Figure> {
    let (kind, value) = match cell {
        Cell::Int(n) => (Kind::Count, Some(*n)),
        Cell::Pct(p) => (Kind::Percent, p.map(|p| p.hundredths())),
        Cell::Decimal(x) => (Kind::Decimal, Some((x * 100.0).round() as i64)),
        Cell::Text(_) | Cell::Date(_) | Cell::Level(_) => (Kind::Text, None),
        Cell::Empty => return None,
    };
    Some(Figure {
        part: part.to_string(),
        label,
        kind,
        text: cell.vietnamese(),
        value,
    })
}

/// Each row's cells after the first `skip`, labelled by the row's name
/// (the cell in column `name`) and the column.
fn table(part: &str, sheet: &Sheet, name: usize, skip: usize) -> Vec<Figure> {
    sheet
        .rows
        .iter()
        .flat_map(|row| {
            let row_name = row.get(name).map(Cell::vietnamese).unwrap_or_default();
            row.iter()
                .zip(&sheet.columns)
                .skip(skip)
                .filter_map(move |(cell, (_, column))| {
                    figure(part, format!("{row_name} — {column}"), cell)
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Every figure of a report: the summary's (a label and a value a row),
/// each unit's against its targets, and each day's increase.
pub fn figures(summary: &Summary) -> Vec<Figure> {
    let part = "Tổng hợp";
    let mut out: Vec<Figure> = summary
        .figures_sheet()
        .rows
        .iter()
        .filter_map(|row| match row.as_slice() {
            [label, value] => figure(part, label.vietnamese(), value),
            _ => None,
        })
        .collect();
    // The children only (the unit's own row repeats the summary): code,
    // name, then the figures.
    let mut children = summary.children_sheet();
    children.rows.drain(..children.rows.len().min(1));
    out.extend(table("Đơn vị trực thuộc", &children, 1, 2));
    let days = summary.days_sheet();
    // Date, weekday, then the day's increases.
    out.extend(table("Từng ngày", &days, 0, 2));
    out
}

/// A figure as sent beside the same figure now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Change {
    pub part: String,
    pub label: String,
    /// As the report sent it; none for a figure the report did not have
    /// (a unit or day that has figures only now).
    pub sent: Option<String>,
    /// As the data says now; none for a figure gone since.
    pub now: Option<String>,
    /// Now less sent, written as Vietnamese readers do (`+12`, `-0,25
    /// điểm %` in percentage points); none when either side is not a number.
    pub difference: Option<String>,
    pub changed: bool,
}

fn signed(kind: Kind, d: i64) -> String {
    let sign = if d > 0 { "+" } else { "" };
    match kind {
        Kind::Count => format!("{sign}{}", vi::number(d)),
        Kind::Percent => format!("{sign}{} điểm %", vi::decimal(d as f64 / 100.0)),
        Kind::Decimal => format!("{sign}{}", vi::decimal(d as f64 / 100.0)),
        Kind::Text => String::new(),
    }
}

/// Every figure of `sent` beside the one of the same part and label in
/// `now`, in the order they were sent, then those only `now` has.
pub fn changes(sent: &[Figure], now: &[Figure]) -> Vec<Change> {
    let key = |f: &Figure| (f.part.clone(), f.label.clone());
    let by_key: std::collections::HashMap<_, _> = now.iter().map(|f| (key(f), f)).collect();
    let sent_keys: std::collections::HashSet<_> = sent.iter().map(key).collect();
    let mut out: Vec<Change> = sent
        .iter()
        .map(|s| {
            let n = by_key.get(&key(s)).copied();
            let difference = match (s.value, n.and_then(|n| n.value)) {
                (Some(a), Some(b)) if n.is_some_and(|n| n.kind == s.kind) => {
                    Some(signed(s.kind, b - a))
                }
                _ => None,
            };
            Change {
                part: s.part.clone(),
                label: s.label.clone(),
                sent: Some(s.text.clone()),
                now: n.map(|n| n.text.clone()),
                changed: n.is_none_or(|n| n.text != s.text),
                difference,
            }
        })
        .collect();
    out.extend(
        now.iter()
            .filter(|n| !sent_keys.contains(&key(n)))
            .map(|n| Change {
                part: n.part.clone(),
                label: n.label.clone(),
                sent: None,
                now: Some(n.text.clone()),
                difference: None,
                changed: true,
            }),
    );
    out
}

/// A report just drawn, to keep as issued: its file (`pdf` or `xlsx`),
/// what it covered, its figures and who issues it.
pub fn to_keep(
    unit: &UnitCode,
    report: &Summary,
    chosen: &Chosen,
    format: &str,
    file: Vec<u8>,
    issued_by: String,
) -> NewIssuedReport {
    NewIssuedReport {
        unit: unit.clone(),
        as_of: report.progress.unit.as_of,
        period_from: chosen.window.from,
        period_to: chosen.window.to,
        campaign: chosen.campaign.clone(),
        cut: chosen.cut,
        issued_by,
        format: format.to_string(),
        file,
        figures: to_json(&figures(report)),
    }
}

/// The period an issued report covered, as it was resolved then (a
/// campaign cut at its day stays cut).
pub fn period_of(report: &IssuedReport) -> Result<Chosen> {
    Ok(Chosen {
        window: Window::new(report.period_from, report.period_to)
            .map_err(|e| StoreError::Backend(format!("corrupt issued report: {e}").into()))?,
        campaign: report.campaign.clone(),
        cut: report.cut,
    })
}

/// An issued report, as listed in the archive.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Entry {
    pub id: i64,
    pub unit: String,
    #[schema(value_type = String, format = Date)]
    pub as_of: Day,
    #[schema(value_type = String, format = Date)]
    pub period_from: Day,
    #[schema(value_type = String, format = Date)]
    pub period_to: Day,
    pub campaign: Option<String>,
    /// When it was issued, RFC 3339 in Vietnam's time.
    pub issued_at: String,
    pub issued_by: String,
    /// `pdf` or `xlsx`.
    pub format: String,
}

impl From<&IssuedReport> for Entry {
    fn from(r: &IssuedReport) -> Entry {
        Entry {
            id: r.id,
            unit: r.unit.to_string(),
            as_of: r.as_of,
            period_from: r.period_from,
            period_to: r.period_to,
            campaign: r.campaign.clone(),
            issued_at: r.issued_at.to_rfc3339(),
            issued_by: r.issued_by.clone(),
            format: r.format.clone(),
        }
    }
}

/// An issued report beside the same report drawn now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Compared {
    pub report: Entry,
    /// How many figures differ now from what was sent.
    pub changed: usize,
    pub changes: Vec<Change>,
}

/// `report` beside the same unit, day and period drawn from the data now.
pub fn compared(store: &dyn Store, scope: &Scope, report: &IssuedReport) -> Result<Compared> {
    let sent = from_json(&report.figures)
        .map_err(|e| StoreError::Backend(format!("issued report {}: {e}", report.id).into()))?;
    let now = figures(&summary(
        store,
        scope,
        &report.unit,
        report.as_of,
        &period_of(report)?,
    )?);
    let changes = changes(&sent, &now);
    Ok(Compared {
        report: report.into(),
        changed: changes.iter().filter(|c| c.changed).count(),
        changes,
    })
}

/// The archive of a unit's issued reports, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(transparent)]
pub struct Archive(pub Vec<Entry>);

impl Report for Archive {
    fn sheet(&self) -> Sheet {
        Sheet {
            title: "Báo cáo đã ban hành".into(),
            columns: columns(&[
                ("id", "Số"),
                ("issued_at", "Ban hành lúc"),
                ("issued_by", "Người ban hành"),
                ("as_of", "Số liệu đến hết ngày"),
                ("period_from", "Từ ngày"),
                ("period_to", "Đến ngày"),
                ("campaign", "Đợt"),
                ("format", "Tệp"),
            ]),
            rows: self
                .0
                .iter()
                .map(|e| {
                    vec![
                        Cell::Int(e.id),
                        Cell::Text(e.issued_at.clone()),
                        Cell::Text(e.issued_by.clone()),
                        Cell::Date(e.as_of),
                        Cell::Date(e.period_from),
                        Cell::Date(e.period_to),
                        e.campaign.clone().map_or(Cell::Empty, Cell::Text),
                        Cell::Text(e.format.clone()),
                    ]
                })
                .collect(),
        }
    }
}

impl Report for Compared {
    fn sheet(&self) -> Sheet {
        let text = |s: &Option<String>| s.clone().map_or(Cell::Empty, Cell::Text);
        Sheet {
            title: format!(
                "Báo cáo số {} — số liệu khi ban hành và hiện nay",
                self.report.id
            ),
            columns: columns(&[
                ("part", "Phần"),
                ("label", "Chỉ số"),
                ("sent", "Khi ban hành"),
                ("now", "Hiện nay"),
                ("difference", "Chênh lệch"),
            ]),
            rows: self
                .changes
                .iter()
                .map(|c| {
                    vec![
                        Cell::Text(c.part.clone()),
                        Cell::Text(c.label.clone()),
                        text(&c.sent),
                        text(&c.now),
                        text(&c.difference),
                    ]
                })
                .collect(),
        }
    }

    fn notes(&self) -> Vec<String> {
        vec![format!(
            "Ban hành lúc {} bởi {}, số liệu đến hết ngày {}; {} chỉ số đã thay đổi do dữ liệu đến sau.",
            self.report.issued_at,
            self.report.issued_by,
            vi::date(self.report.as_of),
            self.changed
        )]
    }
}

/// The figures as kept in the database.
pub fn to_json(figures: &[Figure]) -> String {
    serde_json::to_string(figures).expect("figures serialise")
}

/// The figures kept with an issued report.
pub fn from_json(stored: &str) -> Result<Vec<Figure>, String> {
    serde_json::from_str(stored).map_err(|e| format!("the kept figures cannot be read: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(label: &str, n: i64) -> Figure {
        Figure {
            part: "Tổng hợp".into(),
            label: label.into(),
            kind: Kind::Count,
            text: vi::number(n),
            value: Some(n),
        }
    }

    #[test]
    fn changes_are_taken_on_exact_values() {
        let pct = |h: i64| Figure {
            part: "Tổng hợp".into(),
            label: "Tỷ lệ".into(),
            kind: Kind::Percent,
            text: format!("{h}"),
            value: Some(h),
        };
        let sent = [count("Thu nhận", 1_000), pct(7143), count("Gone", 1)];
        let now = [count("Thu nhận", 1_012), pct(7118), count("New", 3)];
        let c = changes(&sent, &now);
        assert_eq!(c.len(), 4);
        assert_eq!(c[0].difference.as_deref(), Some("+12"));
        assert_eq!(c[0].now.as_deref(), Some("1.012"));
        assert_eq!(c[1].difference.as_deref(), Some("-0,25 điểm %"));
        assert!(c[2].now.is_none() && c[2].changed);
        assert!(c[3].sent.is_none() && c[3].now.as_deref() == Some("3"));
        let same = changes(&sent[..1], &sent[..1]);
        assert_eq!(same[0].difference.as_deref(), Some("0"));
        assert!(!same[0].changed);
    }

    #[test]
    fn figures_survive_the_database() {
        let f = vec![count("Thu nhận", 822_139)];
        assert_eq!(from_json(&to_json(&f)).unwrap(), f);
        assert!(from_json("[{").unwrap_err().contains("cannot be read"));
    }
}
