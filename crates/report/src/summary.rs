//! `report`: the period report to the People's Committee ("báo cáo sơ
//! kết"), gathered from the other reports: headline figures with pace and
//! projection, the children against their targets, the top and bottom
//! units, the units that completed, the window against its baseline, and
//! the day-by-day results of the window. Written as an XLSX workbook (one
//! sheet per part, with a chart of the daily results) or a PDF.

use phuxanh_domain::{Day, Metric, TargetMetric, UnitCode};
use phuxanh_store::{Result, Scope, Store};
use serde::Serialize;

use crate::compare::{Comparison, compare};
use crate::period::Chosen;
use crate::progress::{Progress, WithChildren};
use crate::ranking::{Completed, RankRow, Show, completed, ranking};
use crate::render::{Cell, RenderError, Sheet, columns, progress_sheet};
use crate::vi;

/// How many units the top and bottom lists show.
const TOP: usize = 3;

/// One day's increase of the two headline metrics.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct DayResult {
    #[schema(value_type = String, format = Date)]
    pub date: Day,
    pub collected: i64,
    pub activated: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Summary {
    pub progress: WithChildren,
    pub comparison: Comparison,
    /// The children ranked by their collection target percentage.
    pub top: Vec<RankRow>,
    pub bottom: Vec<RankRow>,
    pub completed_collected: Completed,
    pub completed_activated: Completed,
    pub days: Vec<DayResult>,
}

/// Gathers the report of `code` as of `as_of`, over the `period` chosen
/// ([`crate::period::Period::resolve`]).
pub fn summary(
    store: &dyn Store,
    scope: &Scope,
    code: &UnitCode,
    as_of: Day,
    period: &Chosen,
) -> Result<Summary> {
    let unit = Progress::from_figures(&store.figures(scope, code, as_of)?);
    let children = store
        .children(scope, code)?
        .iter()
        .map(|c| {
            Ok(Progress::from_figures(
                &store.figures(scope, &c.code, as_of)?,
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    let (window, campaign) = (period.window, period.campaign.clone());
    let collected = TargetMetric::new(Metric::Collected).expect("a target metric");
    let activated = TargetMetric::new(Metric::Activated).expect("a target metric");
    let ranked = ranking(store, scope, code, collected, None, as_of, Show::All)?;
    let with_pct: Vec<RankRow> = ranked
        .rows
        .into_iter()
        .filter(|r| r.target_pct.is_some())
        .collect();
    let top = with_pct.iter().take(TOP).cloned().collect();
    let bottom = with_pct.iter().rev().take(TOP).cloned().collect();
    let history = store.history(scope, code, window.from, window.to)?;
    let mut days = Vec::with_capacity(window.days as usize);
    let mut previous = history.before;
    let mut day = window.from;
    while day <= window.to {
        let now = history.as_of(day);
        days.push(DayResult {
            date: day,
            collected: now[Metric::Collected] - previous[Metric::Collected],
            activated: now[Metric::Activated] - previous[Metric::Activated],
        });
        previous = now;
        let Some(next) = day.checked_plus_days(1) else {
            break; // the calendar's last day
        };
        day = next;
    }
    Ok(Summary {
        progress: WithChildren { unit, children },
        comparison: compare(store, scope, code, window, campaign)?,
        top,
        bottom,
        completed_collected: completed(store, scope, code, collected, None, as_of)?,
        completed_activated: completed(store, scope, code, activated, None, as_of)?,
        days,
    })
}

impl Summary {
    /// The headline paragraph, sentence by sentence.
    pub fn headline(&self) -> Vec<String> {
        let p = &self.progress.unit;
        let mut out = vec![format!(
            "Công dân đủ điều kiện: {}.",
            vi::number(p.eligible)
        )];
        for m in [Metric::Collected, Metric::Activated, Metric::Used] {
            let count = p.count(m);
            let mut line = format!("{}: ", m.vietnamese());
            match p.targets.get(m) {
                Some(t) => line.push_str(&format!(
                    "{} / chỉ tiêu {} ({})",
                    vi::number(count),
                    vi::number(t.value),
                    p.target_pct.get(m).map_or("–".into(), |x| vi::percent(*x))
                )),
                None => line.push_str(&vi::number(count)),
            }
            if let Some(c) = p.coverage_pct.get(m) {
                line.push_str(&format!(
                    ", đạt {} số công dân đủ điều kiện",
                    vi::percent(*c)
                ));
            }
            line.push('.');
            out.push(line);
        }
        for (m, proj) in &p.projection.0 {
            let mut line = format!(
                "Chỉ tiêu {} (hạn {}): {}; tốc độ 7 ngày {}/ngày, dự kiến đạt {} khi hết hạn",
                m.vietnamese().to_lowercase(),
                vi::date(proj.deadline),
                proj.status.vietnamese().to_lowercase(),
                vi::decimal(p.pace.get(*m).copied().unwrap_or(0.0)),
                vi::number(proj.projected)
            );
            if let Some(day) = proj.completion {
                line.push_str(&format!(", dự kiến hoàn thành ngày {}", vi::date(day)));
            }
            line.push('.');
            out.push(line);
        }
        let c = &self.comparison;
        let growth = |m: Metric| {
            c.unit
                .growth_pct
                .get(m)
                .copied()
                .flatten()
                .map_or("–".into(), vi::percent)
        };
        out.push(format!(
            "{}ừ {} đến {} ({} ngày): thu nhận {} hồ sơ (kỳ trước {}, {}), kích hoạt {} tài khoản (kỳ trước {}, {}).",
            c.campaign
                .as_ref()
                .map_or("T".to_string(), |n| format!("Đợt «{n}», t")),
            vi::date(c.window.from),
            vi::date(c.window.to),
            c.window.days,
            vi::number(c.unit.window.collected),
            vi::number(c.unit.baseline.collected),
            growth(Metric::Collected),
            vi::number(c.unit.window.activated),
            vi::number(c.unit.baseline.activated),
            growth(Metric::Activated),
        ));
        out
    }

    /// The headline as figures in cells, one a row: what it is, and the
    /// number, percentage or date itself (the sentences are the PDF's).
    pub fn figures_sheet(&self) -> Sheet {
        let p = &self.progress.unit;
        let text = |s: &str| Cell::Text(s.to_string());
        let mut rows = vec![
            vec![text("Đơn vị"), Cell::Text(p.unit.name.clone())],
            vec![text("Mã đơn vị"), Cell::Text(p.unit.code.clone())],
            vec![text("Cấp"), Cell::Level(p.unit.level)],
            vec![text("Số liệu tính đến hết ngày"), Cell::Date(p.as_of)],
            vec![text("Công dân đủ điều kiện"), Cell::Int(p.eligible)],
        ];
        for m in [Metric::Collected, Metric::Activated, Metric::Used] {
            let name = m.vietnamese();
            let lower = name.to_lowercase();
            rows.push(vec![text(name), Cell::Int(p.count(m))]);
            if let Some(t) = p.targets.get(m) {
                rows.push(vec![
                    Cell::Text(format!("Chỉ tiêu {lower}")),
                    Cell::Int(t.value),
                ]);
                rows.push(vec![
                    Cell::Text(format!("Tỷ lệ đạt chỉ tiêu {lower}")),
                    Cell::Pct(p.target_pct.get(m).copied()),
                ]);
            }
            if let Some(c) = p.coverage_pct.get(m) {
                rows.push(vec![
                    Cell::Text(format!("Tỷ lệ {lower} trên công dân đủ điều kiện")),
                    Cell::Pct(Some(*c)),
                ]);
            }
        }
        for m in [Metric::Collected, Metric::Activated] {
            if let Some(x) = p.pace.get(m) {
                rows.push(vec![
                    Cell::Text(format!(
                        "Tốc độ bình quân 7 ngày, {} (mỗi ngày)",
                        m.vietnamese().to_lowercase()
                    )),
                    Cell::Decimal(*x),
                ]);
            }
        }
        for (m, proj) in &p.projection.0 {
            let lower = m.vietnamese().to_lowercase();
            rows.push(vec![
                Cell::Text(format!("Hạn chỉ tiêu {lower}")),
                Cell::Date(proj.deadline),
            ]);
            rows.push(vec![
                Cell::Text(format!("Tình trạng chỉ tiêu {lower}")),
                Cell::Text(proj.status.vietnamese().to_string()),
            ]);
            rows.push(vec![
                Cell::Text(format!("Dự kiến {lower} khi hết hạn")),
                Cell::Int(proj.projected),
            ]);
            if let Some(day) = proj.completion {
                rows.push(vec![
                    Cell::Text(format!("Dự kiến hoàn thành chỉ tiêu {lower}")),
                    Cell::Date(day),
                ]);
            }
        }
        let c = &self.comparison;
        if let Some(name) = &c.campaign {
            rows.push(vec![text("Đợt"), Cell::Text(name.clone())]);
        }
        rows.push(vec![text("Kỳ báo cáo từ ngày"), Cell::Date(c.window.from)]);
        rows.push(vec![text("Kỳ báo cáo đến ngày"), Cell::Date(c.window.to)]);
        rows.push(vec![
            text("Số ngày của kỳ"),
            Cell::Int(i64::from(c.window.days)),
        ]);
        for (m, now, before) in [
            (
                Metric::Collected,
                c.unit.window.collected,
                c.unit.baseline.collected,
            ),
            (
                Metric::Activated,
                c.unit.window.activated,
                c.unit.baseline.activated,
            ),
        ] {
            let lower = m.vietnamese().to_lowercase();
            rows.push(vec![
                Cell::Text(format!("{} trong kỳ", m.vietnamese())),
                Cell::Int(now),
            ]);
            rows.push(vec![
                Cell::Text(format!("{} kỳ trước", m.vietnamese())),
                Cell::Int(before),
            ]);
            rows.push(vec![
                Cell::Text(format!("Tăng so với kỳ trước, {lower}")),
                Cell::Pct(c.unit.growth_pct.get(m).copied().flatten()),
            ]);
        }
        Sheet {
            title: format!(
                "Tổng hợp kết quả — {} — tính đến hết ngày {}",
                p.unit.name,
                vi::date(p.as_of)
            ),
            columns: columns(&[("item", "Nội dung"), ("value", "Số liệu")]),
            rows,
        }
    }

    fn ranked_sheet(&self, title: &str, rows: &[RankRow]) -> Sheet {
        Sheet {
            title: title.to_string(),
            columns: columns(&[
                ("rank", "Hạng"),
                ("code", "Mã"),
                ("name", "Đơn vị"),
                ("count", "Thu nhận"),
                ("target", "Chỉ tiêu"),
                ("target_pct", "Tỷ lệ đạt"),
            ]),
            rows: rows
                .iter()
                .map(|r| {
                    vec![
                        Cell::Int(r.rank as i64),
                        Cell::Text(r.unit.code.clone()),
                        Cell::Text(r.unit.name.clone()),
                        Cell::Int(r.count),
                        r.target.map_or(Cell::Empty, Cell::Int),
                        Cell::Pct(r.target_pct),
                    ]
                })
                .collect(),
        }
    }

    /// The children against their targets, in the columns a page holds.
    pub fn children_sheet(&self) -> Sheet {
        let mut cols = columns(&[
            ("code", "Mã"),
            ("name", "Đơn vị"),
            ("eligible", "Đủ điều kiện"),
        ]);
        for m in [Metric::Collected, Metric::Activated] {
            let name = m.vietnamese();
            cols.push((m.as_str().to_string(), name.to_string()));
            cols.push((
                format!("target_{m}"),
                format!("Chỉ tiêu {}", name.to_lowercase()),
            ));
            cols.push((
                format!("target_pct_{m}"),
                format!("Tỷ lệ đạt CT {}", name.to_lowercase()),
            ));
        }
        cols.push(("used".into(), Metric::Used.vietnamese().into()));
        let rows = std::iter::once(&self.progress.unit)
            .chain(&self.progress.children)
            .map(|p| {
                let mut row = vec![
                    Cell::Text(p.unit.code.clone()),
                    Cell::Text(p.unit.name.clone()),
                    Cell::Int(p.eligible),
                ];
                for m in [Metric::Collected, Metric::Activated] {
                    row.push(Cell::Int(p.count(m)));
                    row.push(p.targets.get(m).map_or(Cell::Empty, |t| Cell::Int(t.value)));
                    row.push(Cell::Pct(p.target_pct.get(m).copied()));
                }
                row.push(Cell::Int(p.count(Metric::Used)));
                row
            })
            .collect();
        Sheet {
            title: "Kết quả các đơn vị trực thuộc".into(),
            columns: cols,
            rows,
        }
    }

    pub fn comparison_sheet(&self) -> Sheet {
        use crate::render::Report;
        self.comparison.table_sheet()
    }

    pub fn comparison_title(&self) -> String {
        self.comparison_sheet().title
    }

    pub fn days_sheet(&self) -> Sheet {
        Sheet {
            title: "Kết quả từng ngày".to_string(),
            columns: columns(&[
                ("date", "Ngày"),
                ("weekday", "Thứ"),
                ("collected", "Thu nhận"),
                ("activated", "Kích hoạt"),
            ]),
            rows: self
                .days
                .iter()
                .map(|d| {
                    vec![
                        Cell::Date(d.date),
                        Cell::Text(vi::weekday(d.date).to_string()),
                        Cell::Int(d.collected),
                        Cell::Int(d.activated),
                    ]
                })
                .collect(),
        }
    }

    /// Every part as a sheet, named for the workbook's tabs.
    pub fn sheets(&self) -> Vec<(&'static str, Sheet)> {
        use crate::render::Report;
        vec![
            ("Tổng hợp", self.figures_sheet()),
            ("Đơn vị trực thuộc", progress_sheet(&self.progress)),
            (
                "Dẫn đầu",
                self.ranked_sheet(
                    "Các đơn vị dẫn đầu (tỷ lệ đạt chỉ tiêu thu nhận)",
                    &self.top,
                ),
            ),
            (
                "Thấp nhất",
                self.ranked_sheet(
                    "Các đơn vị thấp nhất (tỷ lệ đạt chỉ tiêu thu nhận)",
                    &self.bottom,
                ),
            ),
            ("Hoàn thành thu nhận", self.completed_collected.sheet()),
            ("Hoàn thành kích hoạt", self.completed_activated.sheet()),
            ("So sánh", self.comparison.sheet()),
            ("Từng ngày", self.days_sheet()),
        ]
    }

    /// Everything the report holds, as JSON.
    pub fn to_json(&self) -> Result<Vec<u8>, RenderError> {
        let mut s = serde_json::to_string_pretty(self)?;
        s.push('\n');
        Ok(s.into_bytes())
    }

    /// The XLSX workbook, with a column chart of the daily results.
    pub fn to_xlsx(&self) -> Result<Vec<u8>, RenderError> {
        use rust_xlsxwriter::{Chart, ChartType, Workbook};
        let mut book = Workbook::new();
        let sheets = self.sheets();
        let p = &self.progress.unit;
        let header = format!("{} — tính đến hết ngày {}", p.unit.name, vi::date(p.as_of));
        for (name, sheet) in &sheets {
            let ws = book.add_worksheet();
            ws.set_name(*name)?;
            sheet.write_xlsx(ws)?;
            crate::render::print_setup(ws, &header, 2)?;
            if *name == "Tổng hợp" {
                ws.set_column_width(0, 52)?;
                ws.set_column_width(1, 22)?;
            }
        }
        let (name, days) = sheets.last().expect("the days sheet");
        let last = days.rows.len() as u32 + 2;
        let mut chart = Chart::new(ChartType::Column);
        for (col, label) in [(2u16, "Thu nhận"), (3, "Kích hoạt")] {
            chart
                .add_series()
                .set_name(label)
                .set_categories((*name, 3, 0, last, 0))
                .set_values((*name, 3, col, last, col));
        }
        chart.title().set_name("Kết quả từng ngày");
        let ws = book.worksheet_from_name(name)?;
        ws.insert_chart(2, 6, &chart)?;
        Ok(book.save_to_buffer()?)
    }
}
