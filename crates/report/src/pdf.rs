//! The period report as an A4 PDF, laid out here (headings, wrapped
//! paragraphs, tables that repeat their header on a new page, a bar chart of
//! the daily results) and written by `krilla`, with Be Vietnam Pro (SIL OFL,
//! `fonts/`) embedded and subset, so Vietnamese text shows its diacritics
//! wherever the file is opened.

use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::page::PageSettings;
use krilla::paint::Fill;
use krilla::text::{Font, TextDirection};
use skrifa::instance::{LocationRef, Size};
use skrifa::{FontRef, MetadataProvider};

use crate::render::{Cell, RenderError, Sheet};
use crate::summary::Summary;
use crate::vi;

const REGULAR: &[u8] = include_bytes!("../fonts/BeVietnamPro-Regular.ttf");
const BOLD: &[u8] = include_bytes!("../fonts/BeVietnamPro-Bold.ttf");

const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const MARGIN: f32 = 42.0;
const WIDTH: f32 = PAGE_W - 2.0 * MARGIN;
const GREEN: (u8, u8, u8) = (46, 125, 50);
const LIGHT_GREEN: (u8, u8, u8) = (226, 240, 217);
const GREY: (u8, u8, u8) = (120, 120, 120);
const BLUE: (u8, u8, u8) = (33, 102, 172);

/// Something to draw on a page.
enum Op {
    Text {
        x: f32,
        y: f32,
        size: f32,
        bold: bool,
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
fn measure(text: &str, size: f32, bold: bool) -> f32 {
    let font = FontRef::new(if bold { BOLD } else { REGULAR }).expect("the embedded font");
    let charmap = font.charmap();
    let metrics = font.glyph_metrics(Size::new(size), LocationRef::default());
    text.chars()
        .filter_map(|c| charmap.map(c))
        .filter_map(|g| metrics.advance_width(g))
        .sum()
}

/// Breaks `text` into lines no wider than `width`.
fn wrap(text: &str, size: f32, bold: bool, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if measure(&candidate, size, bold) > width && !line.is_empty() {
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
            y: MARGIN,
        }
    }

    fn page(&mut self) -> &mut Vec<Op> {
        self.pages.last_mut().expect("a page")
    }

    /// Starts a new page unless `height` more fits on this one.
    fn room(&mut self, height: f32) {
        if self.y + height > PAGE_H - MARGIN {
            self.pages.push(Vec::new());
            self.y = MARGIN;
        }
    }

    fn text(&mut self, x: f32, size: f32, bold: bool, color: (u8, u8, u8), text: &str) {
        let y = self.y + size;
        self.page().push(Op::Text {
            x,
            y,
            size,
            bold,
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
            if self.y + ROW > PAGE_H - MARGIN {
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

    /// Daily bars of two series side by side, with the scale and the dates.
    fn bar_chart(&mut self, days: &[(String, i64, i64)]) {
        const HEIGHT: f32 = 150.0;
        self.room(HEIGHT + 40.0);
        let top = self.y;
        let max = days
            .iter()
            .map(|(_, a, b)| (*a).max(*b))
            .max()
            .unwrap_or(0)
            .max(1);
        let slot = WIDTH / days.len().max(1) as f32;
        let bar = (slot / 2.0 - 0.5).max(0.5);
        for (i, (label, a, b)) in days.iter().enumerate() {
            let x = MARGIN + i as f32 * slot;
            for (j, (v, color)) in [(*a, GREEN), (*b, BLUE)].into_iter().enumerate() {
                let h = HEIGHT * v as f32 / max as f32;
                if h > 0.0 {
                    self.rect(x + j as f32 * bar, top + HEIGHT - h, bar, h, color);
                }
            }
            let every = (days.len() / 8).max(1);
            if i % every == 0 {
                self.y = top + HEIGHT + 2.0;
                self.text(x, 6.5, false, GREY, label);
            }
        }
        self.rect(MARGIN, top + HEIGHT, WIDTH, 0.6, GREY);
        self.y = top - 9.0;
        self.text(
            MARGIN,
            7.0,
            false,
            GREY,
            &format!("tối đa {}/ngày", vi::number(max)),
        );
        self.y = top + HEIGHT + 14.0;
        self.rect(MARGIN, self.y + 1.0, 8.0, 6.0, GREEN);
        self.text(MARGIN + 11.0, 7.0, false, (0, 0, 0), "Thu nhận");
        self.rect(MARGIN + 60.0, self.y + 1.0, 8.0, 6.0, BLUE);
        self.text(MARGIN + 71.0, 7.0, false, (0, 0, 0), "Kích hoạt");
        self.y += 18.0;
    }
}

fn color((r, g, b): (u8, u8, u8)) -> Fill {
    Fill {
        paint: rgb::Color::new(r, g, b).into(),
        ..Fill::default()
    }
}

impl Summary {
    /// The report as an A4 PDF.
    pub fn to_pdf(&self) -> Result<Vec<u8>, RenderError> {
        let mut l = Layout::new();
        let (title, date) = self.title();
        l.paragraph(&title, 13.0, true, (0, 0, 0));
        l.paragraph(&date, 9.5, false, GREY);
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
        let days: Vec<(String, i64, i64)> = self
            .days
            .iter()
            .map(|d| {
                let date = d.date.date();
                (
                    format!("{:02}/{:02}", date.day(), date.month()),
                    d.collected,
                    d.activated,
                )
            })
            .collect();
        l.y += 12.0;
        l.bar_chart(&days);
        render(l)
    }
}

fn render(l: Layout) -> Result<Vec<u8>, RenderError> {
    let regular = Font::new(REGULAR.into(), 0).expect("the embedded regular font");
    let bold = Font::new(BOLD.into(), 0).expect("the embedded bold font");
    let mut document = Document::new();
    let count = l.pages.len();
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
                    bold: b,
                    color: c,
                    text,
                } => {
                    surface.set_fill(Some(color(c)));
                    let font = if b { bold.clone() } else { regular.clone() };
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
        surface.set_fill(Some(color(GREY)));
        let footer = format!("Phủ Xanh — trang {}/{}", n + 1, count);
        surface.draw_text(
            Point::from_xy(
                PAGE_W - MARGIN - measure(&footer, 7.0, false),
                PAGE_H - 20.0,
            ),
            regular.clone(),
            7.0,
            &footer,
            false,
            TextDirection::Auto,
        );
        surface.finish();
        page.finish();
    }
    document
        .finish()
        .map_err(|e| RenderError::Pdf(format!("{e:?}")))
}
