//! Renderings. Every report is first a [`Sheet`] (named columns, typed
//! cells), which CSV and XLSX write as they are; the terminal table and JSON
//! have shapes of their own.

use std::io::Write;

use comfy_table::{CellAlignment, ContentArrangement, Table, presets};
use phuxanh_domain::{Day, Metric, Percent, TargetMetric, UnitLevel};
use rust_xlsxwriter::{Format as XlsxFormat, FormatAlign, Workbook, Worksheet};

use crate::progress::{Progress, WithChildren};
use crate::vi;

/// An output format, as `--format` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Csv,
    Xlsx,
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Format, String> {
        match s {
            "table" => Ok(Format::Table),
            "json" => Ok(Format::Json),
            "csv" => Ok(Format::Csv),
            "xlsx" => Ok(Format::Xlsx),
            other => Err(format!(
                "format '{other}' is not one of table, json, csv, xlsx"
            )),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("cannot write the output: {0}")]
    Io(#[from] std::io::Error),
    #[error("cannot write CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error("cannot write XLSX: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    #[error("cannot write JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("cannot write PDF: {0}")]
    Pdf(String),
}

/// A typed cell.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Text(String),
    Int(i64),
    Pct(Option<Percent>),
    Date(Day),
    /// A level: `district` in CSV, `Huyện/Quận/Thị xã` everywhere else.
    Level(UnitLevel),
    /// A decimal figure (a pace per day), two places.
    Decimal(f64),
    Empty,
}

impl Cell {
    /// The cell as Vietnamese readers write it: `822.139`, `88,33%`,
    /// `14/11/2023`, `–` for a percentage of nothing.
    pub fn vietnamese(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Int(n) => vi::number(*n),
            Cell::Pct(Some(p)) => vi::percent(*p),
            Cell::Pct(None) => "–".to_string(),
            Cell::Date(d) => vi::date(*d),
            Cell::Level(l) => vi::level(*l).to_string(),
            Cell::Decimal(x) => vi::decimal(*x),
            Cell::Empty => String::new(),
        }
    }
}

/// A report as rows and named columns: `(machine name, Vietnamese header)`.
#[derive(Clone, Debug, PartialEq)]
pub struct Sheet {
    pub title: String,
    pub columns: Vec<(String, String)>,
    pub rows: Vec<Vec<Cell>>,
}

/// The line every exported list of persons carries on each page (XLSX
/// header, PDF footer): who exported it and when, so that a printed or
/// forwarded copy says where it came from. `who` names the user as the
/// audit log does, with their full name and role where there are.
pub fn watermark(who: &str, at: phuxanh_domain::Instant) -> String {
    format!(
        "Xuất bởi {who} lúc {} {} — tài liệu có thông tin cá nhân, chỉ dùng cho công việc, không sao chép hay chuyển tiếp",
        at.clock(),
        vi::date(at.day()),
    )
}

/// Whether a spreadsheet would read `text` as a formula (`=`, `+`, `-`,
/// `@`, or a tab or carriage return before one): names, addresses and event
/// ids come from outside, and a cell such as `=HYPERLINK(…)` must stay text.
pub fn looks_like_formula(text: &str) -> bool {
    text.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// `text` for a CSV cell: with a `'` before it if a spreadsheet opening the
/// file would read it as a formula (OWASP's advice for CSV injection).
pub fn csv_text(text: &str) -> std::borrow::Cow<'_, str> {
    if looks_like_formula(text) {
        format!("'{text}").into()
    } else {
        text.into()
    }
}

impl Sheet {
    /// CSV with machine column names and plain values (`88.33`); text that
    /// a spreadsheet would take for a formula is escaped ([`csv_text`]).
    pub fn write_csv(&self, out: &mut dyn Write) -> Result<(), RenderError> {
        let mut w = csv::Writer::from_writer(out);
        w.write_record(self.columns.iter().map(|(en, _)| en.as_str()))?;
        for row in &self.rows {
            w.write_record(row.iter().map(|c| match c {
                Cell::Text(s) => csv_text(s).into_owned(),
                Cell::Int(n) => n.to_string(),
                Cell::Pct(Some(p)) => p.to_string(),
                Cell::Date(d) => d.to_string(),
                Cell::Level(l) => l.as_str().to_string(),
                Cell::Decimal(x) => format!("{x:.2}"),
                Cell::Pct(None) | Cell::Empty => String::new(),
            }))?;
        }
        w.flush()?;
        Ok(())
    }

    /// An XLSX workbook with Vietnamese headers, real numbers with thousands
    /// separators, percentages and dates as such, and the header frozen.
    pub fn to_xlsx(&self) -> Result<Vec<u8>, RenderError> {
        workbook(&[("Báo cáo", self)])
    }

    /// An XLSX workbook as [`Sheet::to_xlsx`], with `mark` (who exported it
    /// and when) on the second row and in every printed page's header.
    pub fn to_xlsx_marked(&self, mark: &str) -> Result<Vec<u8>, RenderError> {
        let mut book = Workbook::new();
        let ws = book.add_worksheet();
        ws.set_name("Danh sách")?;
        self.write_xlsx(ws)?;
        let italic = XlsxFormat::new().set_italic();
        ws.write_string_with_format(1, 0, mark, &italic)?;
        let left: String = mark.replace('&', "&&").chars().take(120).collect();
        let centre: String = self.title.replace('&', "&&").chars().take(120).collect();
        ws.set_header(format!("&L{left}&C{centre}"));
        Ok(book.save_to_buffer()?)
    }

    /// Writes the sheet into a worksheet: title on row 1, headers on row 3,
    /// and the print setup ([`print_setup`]) with the title as page header.
    /// Text that a spreadsheet would take for a formula is marked as text
    /// (Excel's quote prefix, as typing `'` before it does).
    pub fn write_xlsx(&self, sheet: &mut Worksheet) -> Result<(), RenderError> {
        print_setup(sheet, &self.title, 2)?;
        let title = XlsxFormat::new().set_bold().set_font_size(13);
        let header = XlsxFormat::new()
            .set_bold()
            .set_text_wrap()
            .set_align(FormatAlign::Center)
            .set_background_color("#E2F0D9");
        let int = XlsxFormat::new().set_num_format("#,##0");
        let pct = XlsxFormat::new().set_num_format("0.00%");
        let date = XlsxFormat::new().set_num_format("dd/mm/yyyy");
        let decimal = XlsxFormat::new().set_num_format("#,##0.00");
        let quoted = XlsxFormat::new().set_quote_prefix();
        sheet.write_string_with_format(0, 0, &self.title, &title)?;
        for (c, (machine, vi_name)) in self.columns.iter().enumerate() {
            let c = c as u16;
            sheet.write_string_with_format(2, c, vi_name, &header)?;
            sheet.set_column_width(c, if machine == "name" { 32 } else { 14 })?;
        }
        // Freeze the header, and the columns up to the unit's name.
        let names = self.columns.iter().position(|(m, _)| m == "name");
        sheet.set_freeze_panes(3, names.map_or(0, |i| i as u16 + 1))?;
        for (r, row) in self.rows.iter().enumerate() {
            let r = r as u32 + 3;
            for (c, cell) in row.iter().enumerate() {
                let c = c as u16;
                match cell {
                    Cell::Text(s) if looks_like_formula(s) => {
                        sheet.write_string_with_format(r, c, s, &quoted)?;
                    }
                    Cell::Text(s) => {
                        sheet.write_string(r, c, s)?;
                    }
                    Cell::Level(l) => {
                        sheet.write_string(r, c, vi::level(*l))?;
                    }
                    Cell::Decimal(x) => {
                        sheet.write_number_with_format(r, c, *x, &decimal)?;
                    }
                    Cell::Int(n) => {
                        sheet.write_number_with_format(r, c, *n as f64, &int)?;
                    }
                    Cell::Pct(Some(p)) => {
                        // 6667 hundredths of a percent is 0.6667, exactly
                        // as Excel would type it (not 66.67 / 100).
                        let fraction = p.hundredths() as f64 / 10_000.0;
                        sheet.write_number_with_format(r, c, fraction, &pct)?;
                    }
                    Cell::Date(d) => {
                        let d = d.date();
                        let xd = rust_xlsxwriter::ExcelDateTime::from_ymd(
                            d.year() as u16,
                            d.month() as u8,
                            d.day() as u8,
                        )?;
                        sheet.write_datetime_with_format(r, c, &xd, &date)?;
                    }
                    Cell::Pct(None) | Cell::Empty => {}
                }
            }
        }
        Ok(())
    }

    /// The terminal table: the title, then Vietnamese headers and figures
    /// formatted the Vietnamese way, numbers right-aligned.
    pub fn to_table(&self) -> String {
        let mut table = Table::new();
        table
            .load_preset(presets::UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Disabled)
            .set_header(self.columns.iter().map(|(_, vi_name)| vi_name.as_str()));
        for row in &self.rows {
            table.add_row(row.iter().map(Cell::vietnamese));
        }
        for (i, _) in self.columns.iter().enumerate() {
            let numeric = self
                .rows
                .iter()
                .any(|r| matches!(r.get(i), Some(Cell::Int(_) | Cell::Pct(_))));
            if let (true, Some(col)) = (numeric, table.column_mut(i)) {
                col.set_cell_alignment(CellAlignment::Right);
            }
        }
        format!("{}\n{table}\n", self.title)
    }
}

/// How a worksheet prints: A4 landscape, one page wide (as many long as
/// it takes), rows up to `header_row` (0-based) repeated on every page,
/// `header` at the top of each page and `Trang 1/3` at the bottom.
pub fn print_setup(
    sheet: &mut Worksheet,
    header: &str,
    header_row: u32,
) -> Result<(), RenderError> {
    // Excel takes at most 255 characters, `&` escaped as `&&`.
    let header: String = header.replace('&', "&&").chars().take(240).collect();
    sheet
        .set_paper_size(9)
        .set_landscape()
        .set_print_fit_to_pages(1, 0)
        .set_header(format!("&C{header}"))
        .set_footer("&CTrang &P/&N");
    sheet.set_repeat_rows(header_row, header_row)?;
    Ok(())
}

/// `(machine name, Vietnamese header)` pairs, as a sheet's columns.
pub fn columns(names: &[(&str, &str)]) -> Vec<(String, String)> {
    names
        .iter()
        .map(|(en, vi_name)| (en.to_string(), vi_name.to_string()))
        .collect()
}

/// A workbook of named sheets.
pub fn workbook(sheets: &[(&str, &Sheet)]) -> Result<Vec<u8>, RenderError> {
    let mut book = Workbook::new();
    for (name, sheet) in sheets {
        let ws = book.add_worksheet();
        ws.set_name(*name)?;
        sheet.write_xlsx(ws)?;
    }
    Ok(book.save_to_buffer()?)
}

/// What every report command prints, four ways: a Vietnamese table for the
/// terminal, JSON (the report itself), and its sheet as CSV or XLSX.
pub trait Report: serde::Serialize {
    /// Every column, for CSV and XLSX.
    fn sheet(&self) -> Sheet;

    /// What the terminal shows: the sheet, or a narrower one.
    fn table_sheet(&self) -> Sheet {
        self.sheet()
    }

    /// Sentences printed under the terminal table.
    fn notes(&self) -> Vec<String> {
        Vec::new()
    }
}

/// Renders a report in `format`.
pub fn to_bytes<R: Report>(report: &R, format: Format) -> Result<Vec<u8>, RenderError> {
    Ok(match format {
        Format::Table => {
            let mut out = report.table_sheet().to_table();
            for line in report.notes() {
                out.push_str(&line);
                out.push('\n');
            }
            out.into_bytes()
        }
        Format::Json => {
            let mut out = serde_json::to_string_pretty(report)?;
            out.push('\n');
            out.into_bytes()
        }
        Format::Csv => {
            let mut out = Vec::new();
            report.sheet().write_csv(&mut out)?;
            out
        }
        Format::Xlsx => report.sheet().to_xlsx()?,
    })
}

/// The target metrics any of the units has a target for, in order.
fn targeted_metrics(units: &[&Progress]) -> Vec<Metric> {
    TargetMetric::ALL
        .into_iter()
        .filter(|m| units.iter().any(|p| p.targets.get(*m).is_some()))
        .collect()
}

/// Progress of a unit and (maybe) its children as a sheet.
pub fn progress_sheet(report: &WithChildren) -> Sheet {
    let units: Vec<&Progress> = std::iter::once(&report.unit)
        .chain(&report.children)
        .collect();
    let targeted = targeted_metrics(&units);
    let mut columns = columns(&[
        ("code", "Mã"),
        ("name", "Đơn vị"),
        ("level", "Cấp"),
        ("as_of", "Tính đến"),
    ]);
    for m in Metric::ALL {
        columns.push((m.as_str().to_string(), m.vietnamese().to_string()));
    }
    for m in &targeted {
        columns.push((
            format!("target_{m}"),
            format!("Chỉ tiêu {}", m.vietnamese().to_lowercase()),
        ));
        columns.push((
            format!("target_pct_{m}"),
            format!("Tỷ lệ đạt CT {}", m.vietnamese().to_lowercase()),
        ));
    }
    for m in [Metric::Collected, Metric::Activated] {
        columns.push((
            format!("coverage_pct_{m}"),
            format!("Tỷ lệ {}/ĐĐK", m.vietnamese().to_lowercase()),
        ));
    }
    let rows = units
        .iter()
        .map(|p| {
            let mut row = vec![
                Cell::Text(p.unit.code.clone()),
                Cell::Text(p.unit.name.clone()),
                Cell::Level(p.unit.level),
                Cell::Date(p.as_of),
            ];
            row.extend(Metric::ALL.map(|m| Cell::Int(p.count(m))));
            for m in &targeted {
                row.push(
                    p.targets
                        .get(*m)
                        .map_or(Cell::Empty, |t| Cell::Int(t.value)),
                );
                row.push(Cell::Pct(p.target_pct.get(*m).copied()));
            }
            for m in [Metric::Collected, Metric::Activated] {
                row.push(Cell::Pct(p.coverage_pct.get(m).copied()));
            }
            row
        })
        .collect();
    Sheet {
        title: format!(
            "Tiến độ thu nhận, kích hoạt tài khoản định danh điện tử — {} — tính đến {}",
            report.unit.unit.name,
            vi::date(report.unit.as_of)
        ),
        columns,
        rows,
    }
}

/// A figure as the table shows it: against the target when there is one.
fn table_cell(p: &Progress, m: Metric) -> String {
    match p.targets.get(m) {
        Some(t) => vi::against_target(p.count(m), t.value),
        None => vi::number(p.count(m)),
    }
}

/// The terminal table, in Vietnamese.
pub fn progress_table(report: &WithChildren) -> String {
    let p = &report.unit;
    let mut out = format!(
        "{} ({}) — tính đến hết ngày {}\n",
        p.unit.name,
        p.unit.code,
        vi::date(p.as_of)
    );
    if let Some(r) = &p.retired {
        out.push_str(&format!(
            "Đơn vị đã được sắp xếp lại từ ngày {}, sáp nhập vào {} (merged into {}): số liệu giữ nguyên như trước ngày đó.\n",
            vi::date(r.on),
            r.into.join(", "),
            r.into.join(", ")
        ));
    }
    let shown = Metric::ALL;
    let mut table = Table::new();
    table
        .load_preset(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(std::iter::once("Đơn vị").chain(shown.iter().map(|m| m.vietnamese())));
    for unit in std::iter::once(p).chain(&report.children) {
        table.add_row(
            std::iter::once(unit.unit.name.clone())
                .chain(shown.iter().map(|&m| table_cell(unit, m))),
        );
    }
    for i in 1..=shown.len() {
        if let Some(col) = table.column_mut(i) {
            col.set_cell_alignment(CellAlignment::Right);
        }
    }
    out.push_str(&table.to_string());
    out.push('\n');
    out.push_str(&summary_lines(p));
    out
}

/// Coverage, pace and projection of the main unit, as sentences.
fn summary_lines(p: &Progress) -> String {
    let mut out = String::new();
    let coverage: Vec<String> = [Metric::Collected, Metric::Activated, Metric::Used]
        .iter()
        .filter_map(|&m| {
            p.coverage_pct
                .get(m)
                .map(|c| format!("{} {}", m.vietnamese().to_lowercase(), vi::percent(*c)))
        })
        .collect();
    if !coverage.is_empty() {
        out.push_str(&format!(
            "Tỷ lệ trên {} công dân đủ điều kiện: {}\n",
            vi::number(p.eligible),
            coverage.join(", ")
        ));
    }
    let pace: Vec<String> = [Metric::Collected, Metric::Activated]
        .iter()
        .filter_map(|&m| {
            p.pace
                .get(m)
                .map(|x| format!("{} {}/ngày", m.vietnamese().to_lowercase(), vi::decimal(*x)))
        })
        .collect();
    out.push_str(&format!("Tốc độ bình quân 7 ngày: {}\n", pace.join(", ")));
    for (m, proj) in &p.projection.0 {
        if let Some(o) = p.overdue(*m) {
            let outcome = if o.short_by == 0 {
                "đã đạt chỉ tiêu".to_string()
            } else {
                format!("còn thiếu {} so với chỉ tiêu", vi::number(o.short_by))
            };
            out.push_str(&format!(
                "Chỉ tiêu {} hạn {} đã quá hạn {} ngày: đạt {}/{}, {outcome} — {}\n",
                m.vietnamese().to_lowercase(),
                vi::date(proj.deadline),
                vi::number(i64::from(o.days)),
                vi::number(p.count(*m)),
                vi::number(p.targets.get(*m).map_or(0, |t| t.value)),
                proj.status.vietnamese()
            ));
            continue;
        }
        let mut line = format!(
            "Chỉ tiêu {} hạn {} (còn {} ngày): dự kiến đạt {}",
            m.vietnamese().to_lowercase(),
            vi::date(proj.deadline),
            proj.days_left,
            vi::number(proj.projected)
        );
        if let Some(req) = proj.required_pace {
            line.push_str(&format!(", cần {}/ngày", vi::decimal(req)));
        }
        if let Some(day) = proj.completion {
            line.push_str(&format!(", dự kiến hoàn thành {}", vi::date(day)));
        }
        line.push_str(&format!(" — {}", proj.status.vietnamese()));
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// JSON: one object, or `{"unit":…,"children":[…]}` with children.
pub fn progress_json(report: &WithChildren, with_children: bool) -> Result<String, RenderError> {
    Ok(if with_children {
        serde_json::to_string_pretty(report)?
    } else {
        serde_json::to_string_pretty(&report.unit)?
    })
}
