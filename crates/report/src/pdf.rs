//! The period report as an A4 PDF, laid out here (headings, wrapped
//! paragraphs, tables that repeat their header on a new page, a bar chart of
//! the daily results) and written by `krilla`, with Be Vietnam Pro (SIL OFL,
//! `fonts/`) embedded and subset, so Vietnamese text shows its diacritics
//! wherever the file is opened.
//!
//! The page follows Decree 30/2020/NĐ-CP (Phụ lục I, thể thức văn bản hành
//! chính): margins of 20 mm top and bottom, 30 mm left, 15 mm right; at the
//! top the superior and issuing agency over `Số:   /BC-…` on the left, the
//! quốc hiệu and tiêu ngữ over the place and date on the right; the title
//! and its trích yếu centred; the body; then nơi nhận and the signature
//! block. Those parts come from the database's [`ReportSettings`]; a
//! setting that is unset leaves a dotted blank to fill by hand.

use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::page::PageSettings;
use krilla::paint::Fill;
use krilla::text::{Font, TextDirection};
use skrifa::instance::{LocationRef, Size};
use skrifa::{FontRef, MetadataProvider};

use phuxanh_domain::ReportSettings;

use crate::render::{Cell, RenderError, Sheet};
use crate::summary::Summary;
use crate::vi;
use phuxanh_domain::Day;

const REGULAR: &[u8] = include_bytes!("../fonts/BeVietnamPro-Regular.ttf");
const BOLD: &[u8] = include_bytes!("../fonts/BeVietnamPro-Bold.ttf");
const ITALIC: &[u8] = include_bytes!("../fonts/BeVietnamPro-Italic.ttf");

const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
/// One millimetre in points.
const MM: f32 = 72.0 / 25.4;
/// The left margin, Decree 30's 30 mm; the body's x.
const MARGIN: f32 = 30.0 * MM;
const RIGHT: f32 = 15.0 * MM;
const TOP: f32 = 20.0 * MM;
const BOTTOM: f32 = 20.0 * MM;
const WIDTH: f32 = PAGE_W - MARGIN - RIGHT;
/// What an unset setting leaves to fill by hand.
const BLANK: &str = "……………………………";
const GREEN: (u8, u8, u8) = (46, 125, 50);
const LIGHT_GREEN: (u8, u8, u8) = (226, 240, 217);
const GREY: (u8, u8, u8) = (120, 120, 120);
const BLUE: (u8, u8, u8) = (33, 102, 172);

/// A face of Be Vietnam Pro.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Face {
    Regular,
    Bold,
    Italic,
}

impl Face {
    fn bytes(self) -> &'static [u8] {
        match self {
            Face::Regular => REGULAR,
            Face::Bold => BOLD,
            Face::Italic => ITALIC,
        }
    }
}

impl From<bool> for Face {
    fn from(bold: bool) -> Face {
        if bold { Face::Bold } else { Face::Regular }
    }
}

/// Something to draw on a page.
enum Op {
    Text {
        x: f32,
        y: f32,
        size: f32,
        face: Face,
        color: (u8, u8, u8),
        text: String,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        color: (u8, u8, u8),
    },
}

/// Pages of drawing operations, filled top to bottom.
struct Layout {
    pages: Vec<Vec<Op>>,
    y: f32,
}

/// Width of `text` at `size` points, from the font's advance widths.
fn measure(text: &str, size: f32, face: impl Into<Face>) -> f32 {
    let font = FontRef::new(face.into().bytes()).expect("the embedded font");
    let charmap = font.charmap();
    let metrics = font.glyph_metrics(Size::new(size), LocationRef::default());
    text.chars()
        .filter_map(|c| charmap.map(c))
        .filter_map(|g| metrics.advance_width(g))
        .sum()
}

/// Breaks `text` into lines no wider than `width`.
fn wrap(text: &str, size: f32, face: impl Into<Face>, width: f32) -> Vec<String> {
    let face = face.into();
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if measure(&candidate, size, face) > width && !line.is_empty() {
            lines.push(std::mem::replace(&mut line, word.to_string()));
        } else {
            line = candidate;
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// How a column of a PDF table is drawn.
struct Column {
    header: String,
    width: f32,
    right: bool,
}

impl Layout {
    fn new() -> Layout {
        Layout {
            pages: vec![Vec::new()],
            y: TOP,
        }
    }

    fn page(&mut self) -> &mut Vec<Op> {
        self.pages.last_mut().expect("a page")
    }

    /// Starts a new page unless `height` more fits on this one.
    fn room(&mut self, height: f32) {
        if self.y + height > PAGE_H - BOTTOM {
            self.pages.push(Vec::new());
            self.y = TOP;
        }
    }

    fn text(&mut self, x: f32, size: f32, face: impl Into<Face>, color: (u8, u8, u8), text: &str) {
        let y = self.y + size;
        let face = face.into();
        self.page().push(Op::Text {
            x,
            y,
            size,
            face,
            color,
            text: text.to_string(),
        });
    }

    fn paragraph(&mut self, text: &str, size: f32, bold: bool, color: (u8, u8, u8)) {
        for line in wrap(text, size, bold, WIDTH) {
            self.room(size * 1.45);
            self.text(MARGIN, size, bold, color, &line);
            self.y += size * 1.45;
        }
    }

    fn heading(&mut self, text: &str) {
        self.room(40.0);
        self.y += 8.0;
        self.paragraph(text, 11.0, true, GREEN);
        self.y += 2.0;
    }

    fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, color: (u8, u8, u8)) {
        self.page().push(Op::Rect { x, y, w, h, color });
    }

    /// A table; its header repeats at the top of each new page.
    fn table(&mut self, columns: &[Column], rows: &[Vec<String>]) {
        const SIZE: f32 = 7.5;
        const ROW: f32 = 13.0;
        let header_height = columns
            .iter()
            .map(|c| wrap(&c.header, SIZE, true, c.width - 4.0).len())
            .max()
            .unwrap_or(1) as f32
            * (SIZE * 1.3)
            + 5.0;
        let header = |l: &mut Layout| {
            l.rect(MARGIN, l.y, WIDTH, header_height, LIGHT_GREEN);
            let mut x = MARGIN;
            for c in columns {
                let top = l.y;
                for (i, line) in wrap(&c.header, SIZE, true, c.width - 4.0)
                    .iter()
                    .enumerate()
                {
                    l.y = top + 2.0 + i as f32 * SIZE * 1.3;
                    l.text(x + 2.0, SIZE, true, (0, 0, 0), line);
                }
                l.y = top;
                x += c.width;
            }
            l.y += header_height;
        };
        self.room(header_height + ROW * 2.0);
        header(self);
        for (i, row) in rows.iter().enumerate() {
            if self.y + ROW > PAGE_H - BOTTOM {
                self.room(PAGE_H);
                header(self);
            }
            if i % 2 == 1 {
                self.rect(MARGIN, self.y, WIDTH, ROW, (245, 245, 245));
            }
            let mut x = MARGIN;
            for (c, value) in columns.iter().zip(row) {
                let left = if c.right {
                    x + c.width - 2.0 - measure(value, SIZE, false)
                } else {
                    x + 2.0
                };
                self.y += 2.5;
                self.text(left, SIZE, false, (0, 0, 0), value);
                self.y -= 2.5;
                x += c.width;
            }
            self.y += ROW;
        }
        self.y += 6.0;
    }

    /// A sheet as a table: the name column takes what the others leave.
    fn sheet(&mut self, sheet: &Sheet) {
        let n = sheet.columns.len();
        let name_col = sheet.columns.iter().position(|(m, _)| m == "name");
        let narrow = if name_col.is_some() {
            ((WIDTH - 120.0) / (n - 1).max(1) as f32).min(70.0)
        } else {
            WIDTH / n as f32
        };
        let name_width = WIDTH - narrow * (n - 1) as f32;
        let columns: Vec<Column> = sheet
            .columns
            .iter()
            .enumerate()
            .map(|(i, (_, header))| Column {
                header: header.clone(),
                width: if Some(i) == name_col {
                    name_width
                } else {
                    narrow
                },
                right: sheet
                    .rows
                    .iter()
                    .any(|r| matches!(r.get(i), Some(Cell::Int(_) | Cell::Pct(_)))),
            })
            .collect();
        let rows: Vec<Vec<String>> = sheet
            .rows
            .iter()
            .map(|r| r.iter().map(Cell::vietnamese).collect())
            .collect();
        self.table(&columns, &rows);
    }

    /// Lines of `text` centred in the box `x..x + width`, wrapped to it.
    fn centred(&mut self, x: f32, width: f32, size: f32, face: Face, text: &str) {
        for line in wrap(text, size, face, width) {
            let left = x + (width - measure(&line, size, face)) / 2.0;
            self.text(left, size, face, (0, 0, 0), &line);
            self.y += size * 1.3;
        }
    }

    /// A rule `width` long centred in the box `x..x + box_width`.
    fn rule(&mut self, x: f32, box_width: f32, width: f32) {
        let y = self.y + 4.0;
        self.rect(x + (box_width - width) / 2.0, y, width, 0.6, (0, 0, 0));
    }

    /// Daily bars of two series side by side over a value axis: round
    /// ticks written the Vietnamese way (`1.000`) with gridlines, and the
    /// days under them, with the year when the days span two years.
    fn bar_chart(&mut self, days: &[(Day, i64, i64)]) {
        const HEIGHT: f32 = 150.0;
        const AXIS: f32 = 34.0;
        self.room(HEIGHT + 50.0);
        let top = self.y + 16.0;
        let bottom = top + HEIGHT;
        let max = days.iter().map(|(_, a, b)| (*a).max(*b)).max().unwrap_or(0);
        let (step, ticks) = axis_ticks(max);
        let scale = (step * ticks).max(1) as f32;
        let left = MARGIN + AXIS;
        let width = WIDTH - AXIS;
        self.y = top - 16.0;
        self.text(MARGIN, 6.5, false, GREY, "Số lượng/ngày");
        for t in 0..=ticks {
            let y = bottom - HEIGHT * (t * step) as f32 / scale;
            let label = vi::number(t * step);
            self.rect(
                left,
                y - 0.2,
                width,
                0.4,
                if t == 0 { GREY } else { (215, 215, 215) },
            );
            self.y = y - 6.5 * 0.75;
            self.text(
                left - 3.0 - measure(&label, 6.5, false),
                6.5,
                false,
                GREY,
                &label,
            );
        }
        let slot = width / days.len().max(1) as f32;
        let bar = (slot / 2.0 - 0.5).max(0.5);
        let years =
            days.first().map(|d| d.0.date().year()) != days.last().map(|d| d.0.date().year());
        let label_of = |d: Day| {
            let d = d.date();
            if years {
                format!("{:02}/{:02}/{}", d.day(), d.month(), d.year())
            } else {
                format!("{:02}/{:02}", d.day(), d.month())
            }
        };
        let label_width = measure(
            &label_of(days.first().map_or(Day::from_number(0), |d| d.0)),
            6.5,
            false,
        ) + 6.0;
        let every = ((label_width / slot).ceil() as usize).max(1);
        for (i, (day, a, b)) in days.iter().enumerate() {
            let x = left + i as f32 * slot;
            for (j, (v, color)) in [(*a, GREEN), (*b, BLUE)].into_iter().enumerate() {
                let h = HEIGHT * v as f32 / scale;
                if h > 0.0 {
                    self.rect(x + 0.5 + j as f32 * bar, bottom - h, bar, h, color);
                }
            }
            if i % every == 0 {
                self.rect(x, bottom, 0.4, 2.5, GREY);
                self.y = bottom + 3.0;
                self.text(x, 6.5, false, GREY, &label_of(*day));
            }
        }
        self.y = bottom + 16.0;
        self.rect(left, self.y + 1.0, 8.0, 6.0, GREEN);
        self.text(left + 11.0, 7.0, false, (0, 0, 0), "Thu nhận");
        self.rect(left + 60.0, self.y + 1.0, 8.0, 6.0, BLUE);
        self.text(left + 71.0, 7.0, false, (0, 0, 0), "Kích hoạt");
        self.y += 18.0;
    }
}

/// A value axis for values up to `max`: a round step (1, 2 or 5 times a
/// power of ten) and how many steps reach `max`, four to eight of them.
fn axis_ticks(max: i64) -> (i64, i64) {
    if max <= 0 {
        return (1, 4);
    }
    let mut step = 1i64;
    loop {
        for m in [1, 2, 5] {
            let s = step * m;
            let n = (max + s - 1) / s;
            if n <= 8 {
                return (s, n.max(4));
            }
        }
        step *= 10;
    }
}

fn color((r, g, b): (u8, u8, u8)) -> Fill {
    Fill {
        paint: rgb::Color::new(r, g, b).into(),
        ..Fill::default()
    }
}

/// The left box of the header (the agencies), and the right (quốc hiệu).
const LEFT_BOX: f32 = 190.0;
const RIGHT_BOX: f32 = WIDTH - LEFT_BOX;

/// A setting's value, or the blank to fill by hand.
fn or_blank(value: &Option<String>) -> &str {
    value.as_deref().unwrap_or(BLANK)
}

impl Summary {
    /// The place and date line: `Bến Tre, ngày 14 tháng 11 năm 2023`. The
    /// date is the as-of day, so that the same command writes the same
    /// report; the place is the setting, else the unit's name without its
    /// kind.
    pub fn date_line(&self, settings: &ReportSettings) -> String {
        let p = &self.progress.unit;
        let place = settings
            .place
            .clone()
            .unwrap_or_else(|| vi::short_name(&p.unit.name).to_string());
        format!("{place}, {}", vi::date_in_words(p.as_of))
    }

    /// The trích yếu under the title.
    pub fn excerpt(&self) -> String {
        let p = &self.progress.unit;
        format!(
            "Kết quả thu nhận hồ sơ, kích hoạt tài khoản định danh điện tử trên địa bàn {} tính đến hết ngày {}",
            vi::in_sentence(&p.unit.name),
            vi::date(p.as_of)
        )
    }

    /// The report as an A4 PDF in Decree 30's layout, its formal parts
    /// from `settings`.
    pub fn to_pdf(&self, settings: &ReportSettings) -> Result<Vec<u8>, RenderError> {
        let mut l = Layout::new();
        l.header(self, settings);
        l.heading("I. Kết quả chung");
        for line in self.headline() {
            l.paragraph(&format!("– {line}"), 9.0, false, (0, 0, 0));
        }
        l.heading("II. Kết quả các đơn vị trực thuộc");
        l.sheet(&self.children_sheet());
        l.heading("III. Đơn vị dẫn đầu và thấp nhất (tỷ lệ đạt chỉ tiêu thu nhận)");
        for (name, sheet) in self.sheets() {
            if matches!(name, "Dẫn đầu" | "Thấp nhất") && !sheet.rows.is_empty() {
                l.paragraph(&sheet.title, 9.0, true, (0, 0, 0));
                l.sheet(&sheet);
            }
        }
        l.heading("IV. Đơn vị hoàn thành chỉ tiêu");
        for (name, sheet) in self.sheets() {
            if name.starts_with("Hoàn thành") {
                l.paragraph(&sheet.title, 9.0, true, (0, 0, 0));
                if !sheet.rows.is_empty() {
                    l.sheet(&sheet);
                }
            }
        }
        l.heading("V. So sánh với kỳ trước");
        l.paragraph(&self.comparison_title(), 9.0, false, (0, 0, 0));
        l.sheet(&self.comparison_sheet());
        l.heading("VI. Kết quả từng ngày");
        let days: Vec<(Day, i64, i64)> = self
            .days
            .iter()
            .map(|d| (d.date, d.collected, d.activated))
            .collect();
        l.bar_chart(&days);
        l.closing(settings);
        render(l)
    }
}

/// A list of persons as an A4 PDF: its title, the table, and at the foot
/// of every page `mark` (who exported it and when), so that a printed or
/// forwarded copy says where it came from.
pub fn list_pdf(sheet: &Sheet, mark: &str) -> Result<Vec<u8>, RenderError> {
    let mut l = Layout::new();
    l.paragraph(&sheet.title, 11.0, true, (0, 0, 0));
    l.y += 4.0;
    l.sheet(sheet);
    for page in &mut l.pages {
        page.push(Op::Text {
            x: MARGIN,
            y: PAGE_H - BOTTOM / 2.0,
            size: 7.5,
            face: Face::Italic,
            color: GREY,
            text: mark.to_string(),
        });
    }
    render(l)
}

impl Layout {
    /// The document's head: agencies and number on the left, quốc hiệu,
    /// tiêu ngữ and the date on the right, then the title and trích yếu.
    fn header(&mut self, summary: &Summary, settings: &ReportSettings) {
        const SIZE: f32 = 11.0;
        let top = self.y;
        let left = MARGIN;
        self.centred(
            left,
            LEFT_BOX,
            SIZE,
            Face::Regular,
            &or_blank(&settings.superior_agency).to_uppercase(),
        );
        self.centred(
            left,
            LEFT_BOX,
            SIZE,
            Face::Bold,
            &or_blank(&settings.agency).to_uppercase(),
        );
        self.rule(left, LEFT_BOX, LEFT_BOX / 3.0);
        self.y += 8.0;
        let number = format!(
            "Số:        /{}",
            settings.symbol.as_deref().unwrap_or("BC-……………")
        );
        // Centred as one line: the blank for the number is spaces.
        let x = left + (LEFT_BOX - measure(&number, SIZE, false)) / 2.0;
        self.text(x, SIZE, false, (0, 0, 0), &number);
        self.y += SIZE * 1.3;
        let left_end = self.y;

        self.y = top;
        let right = MARGIN + LEFT_BOX;
        self.centred(
            right,
            RIGHT_BOX,
            SIZE,
            Face::Bold,
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        );
        let motto = "Độc lập - Tự do - Hạnh phúc";
        self.centred(right, RIGHT_BOX, SIZE + 1.0, Face::Bold, motto);
        self.rule(right, RIGHT_BOX, measure(motto, SIZE + 1.0, Face::Bold));
        self.y += 8.0;
        self.centred(
            right,
            RIGHT_BOX,
            SIZE,
            Face::Italic,
            &summary.date_line(settings),
        );

        self.y = self.y.max(left_end) + 22.0;
        self.centred(MARGIN, WIDTH, 13.0, Face::Bold, "BÁO CÁO");
        self.y += 2.0;
        self.centred(
            MARGIN + 30.0,
            WIDTH - 60.0,
            SIZE,
            Face::Bold,
            &summary.excerpt(),
        );
        self.rule(MARGIN, WIDTH, 70.0);
        self.y += 14.0;
    }

    /// Nơi nhận on the left, the signature block on the right.
    fn closing(&mut self, settings: &ReportSettings) {
        const SIZE: f32 = 10.0;
        let recipients: Vec<String> = if settings.recipients.is_empty() {
            vec![BLANK.to_string(), BLANK.to_string()]
        } else {
            settings
                .recipients
                .iter()
                .map(|r| r.trim_end_matches([';', '.', ',']).trim_end().to_string())
                .collect()
        };
        let height = 150.0_f32.max(30.0 + SIZE * 1.4 * (recipients.len() + 1) as f32);
        self.room(height);
        self.y += 14.0;
        let top = self.y;
        self.text(MARGIN, SIZE, Face::Bold, (0, 0, 0), "Nơi nhận:");
        self.y += SIZE * 1.5;
        for r in &recipients {
            for (i, line) in wrap(&format!("- {r};"), 9.0, false, LEFT_BOX - 10.0)
                .iter()
                .enumerate()
            {
                let x = if i == 0 { MARGIN } else { MARGIN + 6.0 };
                self.text(x, 9.0, false, (0, 0, 0), line);
                self.y += 9.0 * 1.35;
            }
        }
        self.text(MARGIN, 9.0, false, (0, 0, 0), "- Lưu: VT.");
        self.y += 9.0 * 1.35;
        let left_end = self.y;

        self.y = top;
        let right = MARGIN + LEFT_BOX;
        for value in [&settings.signer_authority, &settings.signer_title] {
            self.centred(
                right,
                RIGHT_BOX,
                SIZE + 1.0,
                Face::Bold,
                &or_blank(value).to_uppercase(),
            );
        }
        self.y += 62.0;
        self.centred(
            right,
            RIGHT_BOX,
            SIZE + 1.0,
            Face::Bold,
            or_blank(&settings.signer_name),
        );
        self.y = self.y.max(left_end);
    }
}

fn render(l: Layout) -> Result<Vec<u8>, RenderError> {
    let regular = Font::new(REGULAR.into(), 0).expect("the embedded regular font");
    let bold = Font::new(BOLD.into(), 0).expect("the embedded bold font");
    let italic = Font::new(ITALIC.into(), 0).expect("the embedded italic font");
    let mut document = Document::new();
    for (n, ops) in l.pages.into_iter().enumerate() {
        let settings = PageSettings::from_wh(PAGE_W, PAGE_H).expect("an A4 page");
        let mut page = document.start_page_with(settings);
        let mut surface = page.surface();
        for op in ops {
            match op {
                Op::Text {
                    x,
                    y,
                    size,
                    face,
                    color: c,
                    text,
                } => {
                    surface.set_fill(Some(color(c)));
                    let font = match face {
                        Face::Regular => regular.clone(),
                        Face::Bold => bold.clone(),
                        Face::Italic => italic.clone(),
                    };
                    surface.draw_text(
                        Point::from_xy(x, y),
                        font,
                        size,
                        &text,
                        false,
                        TextDirection::Auto,
                    );
                }
                Op::Rect {
                    x,
                    y,
                    w,
                    h,
                    color: c,
                } => {
                    if let Some(rect) = Rect::from_xywh(x, y, w, h) {
                        let mut path = PathBuilder::new();
                        path.push_rect(rect);
                        if let Some(path) = path.finish() {
                            surface.set_fill(Some(color(c)));
                            surface.draw_path(&path);
                        }
                    }
                }
            }
        }
        // Decree 30: page numbers centred in the top margin, from page 2.
        if n > 0 {
            surface.set_fill(Some(color((0, 0, 0))));
            let number = (n + 1).to_string();
            surface.draw_text(
                Point::from_xy(
                    MARGIN + (WIDTH - measure(&number, 10.0, false)) / 2.0,
                    TOP - 18.0,
                ),
                regular.clone(),
                10.0,
                &number,
                false,
                TextDirection::Auto,
            );
        }
        surface.finish();
        page.finish();
    }
    document
        .finish()
        .map_err(|e| RenderError::Pdf(format!("{e:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_value_axis_takes_round_steps() {
        // (step, steps): the top tick is step × steps ≥ max.
        assert_eq!(axis_ticks(0), (1, 4));
        assert_eq!(axis_ticks(3), (1, 4));
        assert_eq!(axis_ticks(8), (1, 8));
        assert_eq!(axis_ticks(9), (2, 5));
        assert_eq!(axis_ticks(745), (100, 8));
        assert_eq!(axis_ticks(801), (200, 5));
        assert_eq!(axis_ticks(1234), (200, 7));
        assert_eq!(axis_ticks(40_001), (10_000, 5));
    }

    #[test]
    fn a_chart_that_crosses_a_year_writes_the_year() {
        let days: Vec<(Day, i64, i64)> = (0..10)
            .map(|i| ("2023-12-27".parse::<Day>().unwrap().plus_days(i), 1500, 700))
            .collect();
        let mut l = Layout::new();
        l.bar_chart(&days);
        let texts: Vec<&str> = l.pages[0]
            .iter()
            .filter_map(|op| match op {
                Op::Text { text, .. } => Some(text.as_str()),
                Op::Rect { .. } => None,
            })
            .collect();
        assert!(texts.contains(&"27/12/2023"), "{texts:?}");
        assert!(texts.iter().any(|t| t.ends_with("/01/2024")), "{texts:?}");
        // Ticks every 200 up to 1.600, written the Vietnamese way.
        assert!(texts.contains(&"1.600"), "{texts:?}");
        assert!(texts.contains(&"1.000"), "{texts:?}");
        assert!(!texts.contains(&"1.800"), "{texts:?}");
    }
}
