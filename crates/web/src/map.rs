//! The green map ("phủ xanh"): the children of a unit coloured by how far
//! each is towards its target, green once it has met it.
//!
//! Provinces are drawn with their boundaries (`map/provinces.json`, built
//! from geoBoundaries by `scripts/map/build.mjs`, for both the 63 provinces
//! of vn-2024 and the 34 of vn-2025). Levels without geometry (districts,
//! communes, villages) are drawn as a treemap whose areas follow the
//! eligible citizens, so every level has a picture. Both are SVG drawn on
//! the server: each unit is a link with its figures as its tooltip and
//! accessible name, so the map works without JavaScript and by keyboard.

use std::collections::HashMap;
use std::sync::OnceLock;

use phuxanh_domain::{Metric, Percent};
use phuxanh_report::progress::{Progress, Status};
use serde::{Deserialize, Serialize};

use crate::lang::Lang;

/// How a map colours its units: by the target's status (the default, who
/// is behind at a glance) or by bands of the target percentage five points
/// wide from 80% up, so that 82% and 85% differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ColourBy {
    Status,
    Percent,
}

/// What a page's map shows: the metric and how it is coloured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Choice {
    pub(crate) metric: Metric,
    pub(crate) by: ColourBy,
}

impl Choice {
    /// The query parameters that say it, none for the defaults.
    pub(crate) fn params(self) -> Vec<(&'static str, String)> {
        let mut p = Vec::new();
        if self.metric != METRICS[0] {
            p.push(("map", self.metric.to_string()));
        }
        if self.by == ColourBy::Percent {
            p.push(("map_by", "pct".to_string()));
        }
        p
    }

    /// [`Choice::params`] as `&map=…&map_by=…`, to append to a link.
    pub(crate) fn query(self) -> String {
        self.params()
            .iter()
            .map(|(k, v)| format!("&{k}={v}"))
            .collect()
    }
}

/// The map a page's `map` and `map_by` parameters choose: collected,
/// coloured by status, by default.
pub(crate) fn choice(q: &HashMap<String, String>) -> Choice {
    let metric = q
        .get("map")
        .and_then(|m| m.parse::<Metric>().ok())
        .filter(|m| METRICS.contains(m))
        .unwrap_or(METRICS[0]);
    let by = match q.get("map_by").map(String::as_str) {
        Some("pct") => ColourBy::Percent,
        _ => ColourBy::Status,
    };
    Choice { metric, by }
}

/// A unit's colour on the map: its CSS class (style.css) and legend entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Shade {
    NoTarget,
    Status(Status),
    /// The target percentage from this many percent (0, 50, 70, 80, 85, 90,
    /// 95) up to the next band; 100 is done.
    From(u8),
}

/// The bands' lower bounds, highest first.
const BANDS: [u8; 8] = [100, 95, 90, 85, 80, 70, 50, 0];

impl Shade {
    pub(crate) fn of(p: &Progress, metric: Metric, by: ColourBy) -> Shade {
        match by {
            ColourBy::Status => p
                .projection
                .get(metric)
                .map_or(Shade::NoTarget, |x| Shade::Status(x.status)),
            ColourBy::Percent => Shade::of_pct(p.target_pct.get(metric).copied()),
        }
    }

    pub(crate) fn of_pct(pct: Option<Percent>) -> Shade {
        let Some(p) = pct.map(Percent::hundredths) else {
            return Shade::NoTarget;
        };
        let band = BANDS
            .into_iter()
            .find(|b| p >= i64::from(*b) * 100)
            .unwrap_or(0);
        Shade::From(band)
    }

    /// Every shade of a colouring, in the legend's order.
    fn all(by: ColourBy) -> Vec<Shade> {
        let mut all: Vec<Shade> = match by {
            ColourBy::Status => [
                Status::Done,
                Status::OnTrack,
                Status::AtRisk,
                Status::Behind,
            ]
            .into_iter()
            .map(Shade::Status)
            .collect(),
            ColourBy::Percent => BANDS.into_iter().map(Shade::From).collect(),
        };
        all.push(Shade::NoTarget);
        all
    }

    /// The CSS class that colours it (style.css).
    pub(crate) fn class(self) -> &'static str {
        match self {
            Shade::NoTarget => "band-none",
            Shade::Status(s) => match s {
                Status::Done => "band-done",
                Status::OnTrack => "status-on-track",
                Status::AtRisk => "status-at-risk",
                Status::Behind => "status-behind",
            },
            Shade::From(b) => match b {
                100 => "band-done",
                95 => "band-95",
                90 => "band-90",
                85 => "band-85",
                80 => "band-80",
                70 => "band-70",
                50 => "band-50",
                _ => "band-0",
            },
        }
    }

    fn label(self, lang: Lang) -> String {
        match self {
            Shade::NoTarget => lang.pick("Chưa có chỉ tiêu", "No target").to_string(),
            Shade::Status(s) => lang.status(s).to_string(),
            Shade::From(100) => lang.pick("Hoàn thành chỉ tiêu", "Target met").to_string(),
            Shade::From(b) => {
                let next = BANDS.iter().rev().find(|x| **x > b).copied().unwrap_or(100);
                if b == 0 {
                    format!("{} {next}%", lang.pick("Dưới", "Under"))
                } else {
                    format!("{b}% {} {next}%", lang.pick("đến dưới", "to under"))
                }
            }
        }
    }
}

/// A map ready for the template (`map.html`).
#[derive(Serialize)]
pub(crate) struct MapView {
    /// `provinces` or `treemap`.
    kind: &'static str,
    width: u32,
    height: u32,
    shapes: Vec<ShapeView>,
    islands: Vec<Islands>,
    legend: Vec<LegendItem>,
    metrics: Vec<MetricLink>,
    /// Status or percentage bands.
    colourings: Vec<MetricLink>,
    /// What the colours say, for the caption and screen readers.
    caption: String,
}

#[derive(Serialize)]
struct ShapeView {
    /// The unit's page; none for a province the database does not have.
    href: Option<String>,
    title: String,
    band: &'static str,
    /// The boundary, for provinces.
    d: Option<String>,
    /// `[x, y, width, height]`, for a treemap.
    rect: Option<[f64; 4]>,
    label: Option<Label>,
}

#[derive(Serialize)]
struct Label {
    x: f64,
    y: f64,
    name: String,
    pct: Option<String>,
}

#[derive(Serialize)]
struct LegendItem {
    class: &'static str,
    label: String,
    count: usize,
}

#[derive(Serialize)]
struct MetricLink {
    href: String,
    label: &'static str,
    current: bool,
}

/// The metrics a map can be coloured by, the first being the default.
pub(crate) const METRICS: [Metric; 3] = [Metric::Collected, Metric::Activated, Metric::Used];

/// The map of `children` as `choice` says. `link(code)` is the page of a
/// unit, and `switch(choice)` the same page with another map.
pub(crate) fn draw(
    children: &[Progress],
    choice: Choice,
    lang: Lang,
    link: impl Fn(&str) -> String,
    switch: impl Fn(Choice) -> String,
) -> Option<MapView> {
    if children.is_empty() {
        return None;
    }
    let metric = choice.metric;
    let bands: Vec<Shade> = children
        .iter()
        .map(|c| Shade::of(c, metric, choice.by))
        .collect();
    let titles: Vec<String> = children.iter().map(|c| title(c, lang)).collect();
    let (kind, width, height, islands, shapes) = match provinces(
        &children
            .iter()
            .map(|c| c.unit.code.as_str())
            .collect::<Vec<_>>(),
    ) {
        Some((shapes, geometry)) => {
            let by_code: HashMap<&str, usize> = children
                .iter()
                .enumerate()
                .map(|(i, c)| (c.unit.code.as_str(), i))
                .collect();
            let shapes = shapes
                .iter()
                .map(|shape| {
                    let child = by_code.get(shape.code.as_str()).copied();
                    ShapeView {
                        href: child.map(|i| link(&children[i].unit.code)),
                        title: child.map_or_else(String::new, |i| titles[i].clone()),
                        band: child.map_or("band-absent", |i| bands[i].class()),
                        d: Some(shape.d.clone()),
                        rect: None,
                        label: None,
                    }
                })
                .collect();
            let islands = geometry.labels.clone();
            (
                "provinces",
                geometry.width,
                geometry.height,
                islands,
                shapes,
            )
        }
        None => {
            let (width, height) = (600, 360);
            let weights = weights(children);
            let rects = squarify(&weights, f64::from(width), f64::from(height));
            let shapes = children
                .iter()
                .zip(rects)
                .enumerate()
                .map(|(i, (c, r))| ShapeView {
                    href: Some(link(&c.unit.code)),
                    title: titles[i].clone(),
                    band: bands[i].class(),
                    d: None,
                    rect: Some(r.map(|v| (v * 10.0).round() / 10.0)),
                    // A name only where it fits.
                    label: (r[2] >= 56.0 && r[3] >= 18.0).then(|| Label {
                        x: r[0] + 4.0,
                        y: r[1] + 14.0,
                        name: short_name(&c.unit.name, r[2]),
                        pct: (r[3] >= 32.0)
                            .then(|| c.target_pct.get(metric).map(|p| lang.percent(*p)))
                            .flatten(),
                    }),
                })
                .collect();
            ("treemap", width, height, Vec::new(), shapes)
        }
    };
    let legend = Shade::all(choice.by)
        .iter()
        .map(|b| LegendItem {
            class: b.class(),
            label: b.label(lang),
            count: bands.iter().filter(|x| *x == b).count(),
        })
        .collect();
    let metrics = METRICS
        .iter()
        .map(|&m| MetricLink {
            href: switch(Choice {
                metric: m,
                ..choice
            }),
            label: lang.metric(m),
            current: m == metric,
        })
        .collect();
    let colourings = [ColourBy::Status, ColourBy::Percent]
        .into_iter()
        .map(|by| MetricLink {
            href: switch(Choice { by, ..choice }),
            label: match by {
                ColourBy::Status => lang.pick("tiến độ", "status"),
                ColourBy::Percent => lang.pick("tỷ lệ so với chỉ tiêu", "share of the target"),
            },
            current: by == choice.by,
        })
        .collect();
    let m = lang.metric(metric).to_lowercase();
    let what = match (choice.by, lang) {
        (ColourBy::Status, Lang::Vi) => format!("theo tiến độ {m} so với chỉ tiêu"),
        (ColourBy::Status, Lang::En) => format!("by the status of {m} against the target"),
        (ColourBy::Percent, Lang::Vi) => format!("theo tỷ lệ {m} so với chỉ tiêu"),
        (ColourBy::Percent, Lang::En) => format!("by {m} as a share of the target"),
    };
    let caption = match (kind, lang) {
        ("provinces", Lang::Vi) => format!("Các tỉnh, thành phố {what}"),
        ("provinces", Lang::En) => format!("Provinces {what}"),
        (_, Lang::Vi) => {
            format!("Các đơn vị trực thuộc {what}; diện tích theo số công dân đủ điều kiện")
        }
        (_, Lang::En) => format!("Units under it {what}; areas follow the eligible citizens"),
    };
    Some(MapView {
        kind,
        width,
        height,
        shapes,
        islands,
        legend,
        metrics,
        colourings,
        caption,
    })
}

/// A unit's figures, one line each: its tooltip and accessible name.
fn title(c: &Progress, lang: Lang) -> String {
    let mut lines = vec![c.unit.name.clone()];
    for m in METRICS {
        let mut line = format!("{}: {}", lang.metric(m), lang.number(c.count(m)));
        if let Some(t) = c.targets.get(m) {
            line.push_str(&format!(" / {}", lang.number(t.value)));
        }
        if let Some(p) = c.target_pct.get(m) {
            line.push_str(&format!(" ({})", lang.percent(*p)));
        }
        lines.push(line);
    }
    lines.push(format!(
        "{}: {}",
        lang.metric(Metric::Eligible),
        lang.number(c.eligible)
    ));
    lines.join("\n")
}

/// The name as it fits a box `width` wide: whole, else with its type word
/// shortened the way Vietnamese writes it ("TP. Bến Tre", "TX. …", "TT. …",
/// so a city never reads as its province) or dropped ("Xã", "Huyện", …),
/// else cut with "…" (the box's tooltip has the whole name).
fn short_name(name: &str, width: f64) -> String {
    // About 6.5 units per character at the map's font size.
    let fits = |s: &str| s.chars().count() as f64 * 6.5 <= width - 8.0;
    if fits(name) {
        return name.to_string();
    }
    let abbreviated = [
        ("Thành phố ", "TP. "),
        ("Thị xã ", "TX. "),
        ("Thị trấn ", "TT. "),
    ]
    .iter()
    .find_map(|(long, short)| name.strip_prefix(long).map(|rest| format!("{short}{rest}")));
    let bare = abbreviated.unwrap_or_else(|| {
        [
            "Phường ",
            "Huyện ",
            "Quận ",
            "Tỉnh ",
            "Xã ",
            "Thôn ",
            "Ấp ",
            "Tổ dân phố ",
        ]
        .iter()
        .find_map(|t| name.strip_prefix(t))
        .unwrap_or(name)
        .to_string()
    });
    if fits(&bare) {
        return bare;
    }
    let keep = (((width - 8.0) / 6.5) as usize).saturating_sub(1);
    let cut: String = bare.chars().take(keep).collect();
    format!("{}…", cut.trim_end())
}

/// The treemap's weights: the eligible citizens, each at least a small
/// share of the whole so that an empty unit can still be seen and clicked.
fn weights(children: &[Progress]) -> Vec<f64> {
    let total: f64 = children.iter().map(|c| c.eligible.max(0) as f64).sum();
    if total == 0.0 {
        return vec![1.0; children.len()];
    }
    let floor = total * 0.004;
    children
        .iter()
        .map(|c| (c.eligible.max(0) as f64).max(floor))
        .collect()
}

/// Squarified treemap (Bruls, Huizing and van Wijk, 2000): rectangles
/// `[x, y, width, height]` filling `width` × `height`, one per weight in
/// the weights' order, with areas proportional to the weights and sides as
/// close to square as the greedy row layout gets.
pub(crate) fn squarify(weights: &[f64], width: f64, height: f64) -> Vec<[f64; 4]> {
    let total: f64 = weights.iter().sum();
    let mut out = vec![[0.0; 4]; weights.len()];
    if total <= 0.0 {
        return out;
    }
    let scale = width * height / total;
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| weights[b].total_cmp(&weights[a]));
    let area = |i: usize| weights[i] * scale;
    // The worst aspect ratio of a row of areas laid along a side.
    let worst = |sum: f64, max: f64, min: f64, side: f64| {
        let (s2, side2) = (sum * sum, side * side);
        f64::max(side2 * max / s2, s2 / (side2 * min))
    };
    let mut free = [0.0, 0.0, width, height];
    // The current row, largest first: its largest area is its first and its
    // smallest its last.
    let mut row: Vec<usize> = Vec::new();
    let mut sum = 0.0;
    for &i in &order {
        let a = area(i);
        if let (Some(&first), Some(&last)) = (row.first(), row.last()) {
            let side = free[2].min(free[3]);
            let max = area(first);
            if worst(sum + a, max, a, side) > worst(sum, max, area(last), side) {
                lay_row(&row, &area, &mut free, &mut out);
                row.clear();
                sum = 0.0;
            }
        }
        row.push(i);
        sum += a;
    }
    lay_row(&row, &area, &mut free, &mut out);
    out
}

/// Lays a row along the shorter side of the free rectangle and takes its
/// strip off that rectangle.
fn lay_row(row: &[usize], area: &impl Fn(usize) -> f64, free: &mut [f64; 4], out: &mut [[f64; 4]]) {
    let sum: f64 = row.iter().map(|&i| area(i)).sum();
    if row.is_empty() || sum <= 0.0 {
        return;
    }
    let [x, y, w, h] = *free;
    if w >= h {
        // A column on the left.
        let thick = (sum / h).min(w);
        let mut at = y;
        for &i in row {
            let len = area(i) / thick;
            out[i] = [x, at, thick, len];
            at += len;
        }
        *free = [x + thick, y, w - thick, h];
    } else {
        // A row along the top.
        let thick = (sum / w).min(h);
        let mut at = x;
        for &i in row {
            let len = area(i) / thick;
            out[i] = [at, y, len, thick];
            at += len;
        }
        *free = [x, y + thick, w, h - thick];
    }
}

/// The boundaries shipped with the binary (`map/provinces.json`).
#[derive(Deserialize)]
struct Geometry {
    width: u32,
    height: u32,
    labels: Vec<Islands>,
    structures: HashMap<String, Vec<Shape>>,
}

#[derive(Deserialize)]
struct Shape {
    code: String,
    d: String,
}

/// The names of the archipelagos, too small to see, and a box around them.
#[derive(Clone, Deserialize, Serialize)]
struct Islands {
    text: String,
    x: f64,
    y: f64,
    #[serde(rename = "box")]
    frame: [f64; 4],
}

fn geometry() -> &'static Geometry {
    static GEOMETRY: OnceLock<Geometry> = OnceLock::new();
    GEOMETRY.get_or_init(|| {
        serde_json::from_str(include_str!("../map/provinces.json"))
            .expect("map/provinces.json is valid (scripts/map/build.mjs wrote it)")
    })
}

/// The provinces' boundaries when `codes` are provinces: those of the 2025
/// structure when every code is one of its 34 provinces, else those of the
/// 63 before it when every code is one of them, else none.
fn provinces(codes: &[&str]) -> Option<(&'static [Shape], &'static Geometry)> {
    let g = geometry();
    ["vn-2025", "vn-2024"].iter().find_map(|name| {
        let shapes = g.structures.get(*name)?;
        codes
            .iter()
            .all(|c| shapes.iter().any(|s| s.code == *c))
            .then_some((shapes.as_slice(), g))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn bands_follow_the_target_percentage_and_part_82_from_85() {
        let pct = |h: i64| Percent::of(h, 10000);
        assert_eq!(Shade::of_pct(None), Shade::NoTarget);
        for (h, band) in [
            (0, 0),
            (4999, 0),
            (5000, 50),
            (6999, 50),
            (7000, 70),
            (8200, 80),
            (8499, 80),
            (8500, 85),
            (9000, 90),
            (9500, 95),
            (9999, 95),
            (10000, 100),
            (13000, 100),
        ] {
            assert_eq!(Shade::of_pct(pct(h)), Shade::From(band), "{h}");
        }
        assert_ne!(
            Shade::of_pct(pct(8200)).class(),
            Shade::of_pct(pct(8500)).class()
        );
        assert_eq!(Shade::From(85).label(Lang::Vi), "85% đến dưới 90%");
        assert_eq!(Shade::From(0).label(Lang::Vi), "Dưới 50%");
        assert_eq!(Shade::From(95).label(Lang::En), "95% to under 100%");
    }

    #[test]
    fn the_geometry_has_every_province_of_both_structures() {
        for (set, name) in [
            (phuxanh_units::UnitSet::Vn2024, "vn-2024"),
            (phuxanh_units::UnitSet::Vn2025, "vn-2025"),
        ] {
            let mut want: Vec<String> = set
                .units()
                .into_iter()
                .filter(|u| u.parent.is_none())
                .map(|u| u.code.to_string())
                .collect();
            want.sort();
            let mut have: Vec<String> = geometry().structures[name]
                .iter()
                .map(|s| s.code.clone())
                .collect();
            have.sort();
            assert_eq!(have, want, "{name}");
            assert!(
                geometry().structures[name]
                    .iter()
                    .all(|s| s.d.starts_with('M'))
            );
        }
    }

    #[test]
    fn the_structure_is_read_from_the_provinces_codes() {
        let count = |codes: &[&str]| provinces(codes).map(|(shapes, _)| shapes.len());
        let vn_2025: Vec<String> = phuxanh_units::UnitSet::Vn2025
            .units()
            .into_iter()
            .filter(|u| u.parent.is_none())
            .map(|u| u.code.to_string())
            .collect();
        let vn_2025: Vec<&str> = vn_2025.iter().map(String::as_str).collect();
        assert_eq!(count(&vn_2025), Some(34));
        // Bến Tre (83) merged into Vĩnh Long in 2025: the 63 provinces.
        assert_eq!(count(&["01", "83"]), Some(63));
        // Districts have no boundaries.
        assert_eq!(count(&["831", "832"]), None);
    }

    #[test]
    fn short_names_shorten_or_drop_the_type_word_then_cut() {
        assert_eq!(short_name("Xã An Thạnh", 200.0), "Xã An Thạnh");
        assert_eq!(short_name("Xã An Thạnh", 70.0), "An Thạnh");
        assert_eq!(short_name("Thị trấn Mỏ Cày", 80.0), "TT. Mỏ Cày");
        // A city keeps its type: "Bến Tre" alone is the province.
        assert_eq!(short_name("Thành phố Bến Tre", 90.0), "TP. Bến Tre");
        assert_eq!(short_name("Phường Nguyễn Thái Bình", 60.0), "Nguyễn…");
    }

    proptest! {
        #[test]
        fn a_treemap_fills_the_frame_without_overlaps(
            weights in prop::collection::vec(0.5f64..1000.0, 1..60),
        ) {
            let (w, h) = (600.0, 360.0);
            let rects = squarify(&weights, w, h);
            let total: f64 = weights.iter().sum();
            let eps = 1e-6;
            for (r, weight) in rects.iter().zip(&weights) {
                // Inside the frame, with the area its weight asks for.
                prop_assert!(r[0] >= -eps && r[1] >= -eps);
                prop_assert!(r[0] + r[2] <= w + eps && r[1] + r[3] <= h + eps);
                let want = weight / total * w * h;
                prop_assert!((r[2] * r[3] - want).abs() <= want * 1e-6 + eps);
            }
            for (i, a) in rects.iter().enumerate() {
                for b in &rects[i + 1..] {
                    let overlap_x = (a[0] + a[2]).min(b[0] + b[2]) - a[0].max(b[0]);
                    let overlap_y = (a[1] + a[3]).min(b[1] + b[3]) - a[1].max(b[1]);
                    prop_assert!(overlap_x <= eps || overlap_y <= eps, "{a:?} overlaps {b:?}");
                }
            }
        }
    }
}
