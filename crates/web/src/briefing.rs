//! Who is behind, at a glance: the table of the units under a page's unit
//! (status, gap, required pace, the day's increase, sortable by any column)
//! and the "cần chú ý" list, from [`phuxanh_report::briefing`]. A unit that
//! is behind shows its first contact's phone as a `tel:` link: the point of
//! the list is to call the commune that is behind.

use std::collections::HashMap;

use phuxanh_domain::{Contact, Day, Metric};
use phuxanh_report::briefing::{Attention, Brief, Concern};
use phuxanh_report::progress::{Progress, Status};
use serde::Serialize;

use crate::lang::Lang;

#[derive(Serialize)]
pub(crate) struct Header {
    label: String,
    numeric: bool,
    /// A longer explanation, shown on hover and read by screen readers.
    title: Option<String>,
}

#[derive(Serialize)]
pub(crate) struct CellView {
    text: String,
    sort: String,
    class: &'static str,
}

#[derive(Serialize)]
pub(crate) struct ChildRow {
    href: String,
    name: String,
    /// The parent's name where the rows have several parents.
    parent: Option<String>,
    status: &'static str,
    cells: Vec<CellView>,
    /// Whom to call, when the unit is behind and has a contact.
    call: Option<Call>,
}

/// A unit's first contact, as a link that dials them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct Call {
    name: String,
    title: String,
    /// As written: `0900 000 123`.
    phone: String,
    /// For the link: `+84900000123`.
    tel: String,
}

/// Each unit's first contact, by unit code.
pub(crate) type Calls = HashMap<String, Call>;

/// The first of each unit's contacts (they come by unit, in file order).
pub(crate) fn calls(contacts: &[Contact]) -> Calls {
    let mut calls = Calls::new();
    for c in contacts {
        calls.entry(c.unit.to_string()).or_insert_with(|| Call {
            name: c.name.to_string(),
            title: c.title.to_string(),
            phone: c.phone.to_string(),
            tel: c.phone.tel(),
        });
    }
    calls
}

/// The status of `p`'s target of `m`, if it has one.
pub(crate) fn status(p: &Progress, m: Metric) -> Option<Status> {
    p.projection.get(m).map(|x| x.status)
}

/// A status's CSS class, empty for none.
pub(crate) fn status_class(p: &Progress, m: Metric) -> &'static str {
    status(p, m).map_or("", Status::as_str)
}

/// Worst first, for sorting: behind, at risk, on track, done, none.
fn status_rank(s: Option<Status>) -> u8 {
    match s {
        Some(Status::Behind) => 0,
        Some(Status::AtRisk) => 1,
        Some(Status::OnTrack) => 2,
        Some(Status::Done) => 3,
        None => 4,
    }
}

/// The table of `children` on `day` (with `parent`'s targets deciding, with
/// theirs, which target columns to show), each with its brief: headers and
/// rows. `parents` names each row's parent when they differ.
pub(crate) fn children_table(
    lang: Lang,
    parent: Option<&Progress>,
    children: &[Progress],
    briefs: &[Brief],
    day: Day,
    link: &dyn Fn(&str) -> String,
    calls: &Calls,
) -> (Vec<Header>, Vec<ChildRow>) {
    let words = lang.words();
    let has_target = |m: Metric| {
        parent.is_some_and(|p| p.targets.get(m).is_some())
            || children.iter().any(|c| c.targets.get(m).is_some())
    };
    let header = |label: String, numeric: bool, title: Option<String>| Header {
        label,
        numeric,
        title,
    };
    let day_text = lang.date(day);
    let day_short = day_text.get(..5).unwrap_or(&day_text).to_string();
    let mut headers = vec![header(words["units"].to_string(), false, None)];
    let collected_target = has_target(Metric::Collected);
    if collected_target {
        headers.push(header(
            words["status"].to_string(),
            false,
            Some(words["status_title"].to_string()),
        ));
    }
    let mut columns: Vec<Column> = vec![Column::Count(Metric::Eligible)];
    for m in [Metric::Collected, Metric::Activated] {
        columns.push(Column::Count(m));
        if has_target(m) {
            columns.extend([Column::Pct(m), Column::Gap(m), Column::Required(m)]);
        }
        columns.push(Column::Day(m));
    }
    columns.extend([
        Column::Count(Metric::CollectedL2),
        Column::Count(Metric::Approved),
        Column::Count(Metric::ActivatedL2),
        Column::Count(Metric::Used),
    ]);
    for c in &columns {
        let metric = |m: Metric| lang.metric(m).to_lowercase();
        let (label, title) = match *c {
            Column::Count(m) => (lang.metric(m).to_string(), None),
            Column::Pct(m) => (
                format!("% {}", words["target"]),
                Some(format!("{} {}", words["pct_title"], metric(m))),
            ),
            Column::Gap(m) => (
                words["gap"].to_string(),
                Some(format!("{} {}", words["gap_title"], metric(m))),
            ),
            Column::Required(m) => (
                words["required"].to_string(),
                Some(format!("{} {}", words["required_title"], metric(m))),
            ),
            Column::Day(m) => (
                format!("{} {day_short}", words["on_day"]),
                Some(format!("{} {} {day_text}", metric(m), words["day_title"])),
            ),
        };
        headers.push(header(label, true, title));
    }
    let rows = children
        .iter()
        .zip(briefs)
        .map(|(c, b)| {
            let mut cells = Vec::new();
            if collected_target {
                let s = status(c, Metric::Collected);
                cells.push(CellView {
                    text: s.map_or(String::new(), |s| lang.status(s).to_string()),
                    sort: status_rank(s).to_string(),
                    class: s.map_or("", Status::as_str),
                });
            }
            for col in &columns {
                cells.push(col.cell(lang, c, b));
            }
            let behind = [Metric::Collected, Metric::Activated]
                .iter()
                .any(|m| status(c, *m) == Some(Status::Behind));
            ChildRow {
                href: link(&c.unit.code),
                name: c.unit.name.clone(),
                parent: None,
                status: status_class(c, Metric::Collected),
                cells,
                call: behind.then(|| calls.get(&c.unit.code).cloned()).flatten(),
            }
        })
        .collect();
    (headers, rows)
}

/// A column of the children's table.
enum Column {
    Count(Metric),
    /// The count as a share of the target.
    Pct(Metric),
    /// What is left to the target.
    Gap(Metric),
    /// What is left over the days left.
    Required(Metric),
    /// The increase on the day.
    Day(Metric),
}

impl Column {
    fn cell(&self, lang: Lang, p: &Progress, b: &Brief) -> CellView {
        let number = |n: i64| CellView {
            text: lang.number(n),
            sort: n.to_string(),
            class: "num",
        };
        let empty = CellView {
            text: String::new(),
            sort: String::new(),
            class: "num",
        };
        match *self {
            Column::Count(m) => number(p.count(m)),
            Column::Day(m) => number(b.day[m]),
            Column::Pct(m) => match p.target_pct.get(m) {
                Some(x) => CellView {
                    text: lang.percent(*x),
                    sort: x.hundredths().to_string(),
                    class: "num",
                },
                None => empty,
            },
            Column::Gap(m) => match p.targets.get(m) {
                Some(t) => number((t.value - p.count(m)).max(0)),
                None => empty,
            },
            Column::Required(m) => match p.projection.get(m) {
                Some(x) => match x.required_pace {
                    Some(r) => CellView {
                        text: lang.decimal(r),
                        sort: format!("{r:.2}"),
                        // Slower than needed over the last 7 days.
                        class: if p.pace.get(m).copied().unwrap_or(0.0) < r {
                            "num short"
                        } else {
                            "num"
                        },
                    },
                    None => CellView {
                        text: lang.pick("đã hết hạn", "deadline passed").to_string(),
                        sort: String::new(),
                        class: "num",
                    },
                },
                None => empty,
            },
        }
    }
}

#[derive(Serialize)]
pub(crate) struct AttentionView {
    name: String,
    href: String,
    /// `behind` for the targets, `data` for figures that look wrong.
    kind: &'static str,
    text: String,
    /// Whom to call about a unit that is behind.
    call: Option<Call>,
}

/// The attention list in words, each entry linking to its unit.
pub(crate) fn attention_view(
    lang: Lang,
    list: &[Attention],
    day: Day,
    link: &dyn Fn(&str) -> String,
    calls: &Calls,
) -> Vec<AttentionView> {
    list.iter()
        .map(|a| {
            let metric = |m: Metric| lang.metric(m).to_lowercase();
            let (kind, text) = match &a.concern {
                Concern::Overdue {
                    metric: m,
                    deadline,
                    days,
                    short_by,
                } => (
                    "behind",
                    match lang {
                        Lang::Vi => format!(
                            "{} quá hạn {} ngày (hạn {}), còn thiếu {} so với chỉ tiêu",
                            metric(*m),
                            lang.number(i64::from(*days)),
                            lang.date(*deadline),
                            lang.number(*short_by)
                        ),
                        Lang::En => format!(
                            "{}: deadline {} passed {} days ago, {} short of the target",
                            metric(*m),
                            lang.date(*deadline),
                            lang.number(i64::from(*days)),
                            lang.number(*short_by)
                        ),
                    },
                ),
                Concern::BehindPace {
                    metric: m,
                    pace,
                    required,
                } => (
                    "behind",
                    match lang {
                        Lang::Vi => format!(
                            "{} cần {}/ngày để đạt chỉ tiêu, 7 ngày qua bình quân {}/ngày",
                            metric(*m),
                            lang.decimal(*required),
                            lang.decimal(*pace)
                        ),
                        Lang::En => format!(
                            "{}: needs {} a day to reach the target, the last 7 days averaged {} a day",
                            metric(*m),
                            lang.decimal(*required),
                            lang.decimal(*pace)
                        ),
                    },
                ),
                Concern::Silent { since, days } => (
                    "data",
                    match lang {
                        Lang::Vi => format!(
                            "không có số liệu mới từ {} ({} ngày)",
                            lang.date(*since),
                            lang.number(i64::from(*days))
                        ),
                        Lang::En => format!(
                            "no new figures since {} ({} days)",
                            lang.date(*since),
                            lang.number(i64::from(*days))
                        ),
                    },
                ),
                Concern::MoreThanEligible {
                    metric: m,
                    count,
                    eligible,
                } => (
                    "data",
                    match lang {
                        Lang::Vi => format!(
                            "{} {} nhiều hơn số công dân đủ điều kiện ({}): kiểm tra danh sách công dân",
                            metric(*m),
                            lang.number(*count),
                            lang.number(*eligible)
                        ),
                        Lang::En => format!(
                            "{} {} exceeds the eligible citizens ({}): check the roster",
                            metric(*m),
                            lang.number(*count),
                            lang.number(*eligible)
                        ),
                    },
                ),
                Concern::UnusualDay {
                    metric: m,
                    increase,
                    usual,
                } => (
                    "data",
                    match lang {
                        Lang::Vi => format!(
                            "ngày {} {} tăng {}, gấp {} lần bình quân 28 ngày trước ({}/ngày): kiểm tra số liệu",
                            lang.date(day),
                            metric(*m),
                            lang.number(*increase),
                            times(lang, *increase, *usual),
                            lang.decimal(*usual)
                        ),
                        Lang::En => format!(
                            "{} rose by {} on {}, {} times the mean of the 28 days before ({} a day): check the data",
                            metric(*m),
                            lang.number(*increase),
                            lang.date(day),
                            times(lang, *increase, *usual),
                            lang.decimal(*usual)
                        ),
                    },
                ),
            };
            AttentionView {
                name: a.unit.name.clone(),
                href: link(&a.unit.code),
                kind,
                text,
                call: (kind == "behind")
                    .then(|| calls.get(&a.unit.code).cloned())
                    .flatten(),
            }
        })
        .collect()
}

/// How many times `usual` `increase` is, one decimal ("many" when the usual
/// was nothing).
fn times(lang: Lang, increase: i64, usual: f64) -> String {
    if usual <= 0.0 {
        return lang.pick("nhiều", "many").to_string();
    }
    let x = (increase as f64 / usual * 10.0).round() / 10.0;
    let s = format!("{x:.1}");
    match lang {
        Lang::Vi => s.replace('.', ","),
        Lang::En => s,
    }
}
