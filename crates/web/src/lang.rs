//! The language of a page and its fixed words: Vietnamese, or English with
//! `?lang=en`.

use std::collections::HashMap;

use phuxanh_domain::{Day, Metric, Percent};
use phuxanh_report::progress::Status;
use phuxanh_report::vi;

/// The language of a page: Vietnamese unless `lang=en`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lang {
    Vi,
    En,
}

impl Lang {
    pub(crate) fn from_query(q: &HashMap<String, String>) -> Lang {
        match q.get("lang").map(String::as_str) {
            Some("en") => Lang::En,
            _ => Lang::Vi,
        }
    }

    pub(crate) fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }

    pub(crate) fn number(self, n: i64) -> String {
        match self {
            Lang::Vi => vi::number(n),
            Lang::En => vi::number(n).replace('.', ","),
        }
    }

    pub(crate) fn percent(self, p: Percent) -> String {
        match self {
            Lang::Vi => vi::percent(p),
            Lang::En => format!("{p}%"),
        }
    }

    pub(crate) fn date(self, d: Day) -> String {
        match self {
            Lang::Vi => vi::date(d),
            Lang::En => d.to_string(),
        }
    }

    pub(crate) fn metric(self, m: Metric) -> &'static str {
        match self {
            Lang::Vi => m.vietnamese(),
            Lang::En => match m {
                Metric::Eligible => "Eligible",
                Metric::Collected => "Collected",
                Metric::CollectedL2 => "Collected, level 2",
                Metric::Approved => "Approved",
                Metric::Rejected => "Rejected",
                Metric::Activated => "Activated",
                Metric::ActivatedL2 => "Activated, level 2",
                Metric::Used => "Used",
            },
        }
    }

    pub(crate) fn status(self, s: Status) -> &'static str {
        match self {
            Lang::Vi => s.vietnamese(),
            Lang::En => match s {
                Status::Done => "Done",
                Status::OnTrack => "On track",
                Status::AtRisk => "At risk",
                Status::Behind => "Behind",
            },
        }
    }

    /// The page's fixed words.
    pub(crate) fn words(self) -> HashMap<&'static str, &'static str> {
        WORDS
            .iter()
            .map(|&(k, v, e)| (k, self.pick(v, e)))
            .collect()
    }

    /// One of the page's words; a key without one is a bug, shown as itself
    /// rather than failing the page.
    pub(crate) fn word(self, key: &str) -> String {
        WORDS
            .iter()
            .find(|(k, _, _)| *k == key)
            .map_or_else(|| key.to_string(), |&(_, v, e)| self.pick(v, e).to_string())
    }

    /// The other language, the page's switch.
    pub(crate) fn other(self) -> Lang {
        match self {
            Lang::Vi => Lang::En,
            Lang::En => Lang::Vi,
        }
    }

    /// The text in this language, of its Vietnamese and its English.
    pub(crate) fn pick(self, vi: &'static str, en: &'static str) -> &'static str {
        match self {
            Lang::Vi => vi,
            Lang::En => en,
        }
    }
}

/// The pages' fixed words: key, Vietnamese, English.
const WORDS: &[(&str, &str, &str)] = &[
    (
        "title",
        "Tiến độ định danh điện tử",
        "e-ID enrollment progress",
    ),
    ("breadcrumbs", "Đơn vị cấp trên", "Parent units"),
    ("as_of", "Tính đến ngày", "As of"),
    (
        "as_of_end",
        "Số liệu tính đến hết ngày",
        "Figures at the end of",
    ),
    ("show", "Xem", "Show"),
    ("other_lang", "English", "Tiếng Việt"),
    ("headline", "Số liệu chính", "Headline figures"),
    ("target", "Chỉ tiêu", "Target"),
    ("projection", "Dự báo đến hạn", "Projection to the deadline"),
    ("children", "Các đơn vị trực thuộc", "Units under it"),
    (
        "children_caption",
        "Bấm vào tiêu đề cột để sắp xếp; bấm vào tên đơn vị để xem chi tiết.",
        "Click a column header to sort; click a unit to drill down.",
    ),
    ("downloads", "Tải về", "Downloads"),
    ("report", "Báo cáo sơ kết", "Period report"),
    ("remaining", "Còn lại", "Remaining"),
    ("units", "Đơn vị", "Unit"),
    ("coverage", "đạt", "of"),
    (
        "eligible_of",
        "số công dân đủ điều kiện",
        "eligible citizens",
    ),
    ("updated", "· cập nhật lúc", "· updated at"),
    (
        "retired_on",
        "Đơn vị đã được sắp xếp lại từ ngày",
        "This unit was reorganised on",
    ),
    ("merged_into", "sáp nhập vào", "and merged into"),
    (
        "retired_note",
        "số liệu giữ nguyên như trước ngày đó.",
        "its figures stand as they were before that day.",
    ),
    ("views", "Các trang", "Views"),
    ("none", "Không có đơn vị nào.", "No units."),
    ("tab_overview", "Tổng quan", "Overview"),
    ("charts", "Diễn biến", "Over time"),
    (
        "chart_cumulative",
        "Lũy kế so với chỉ tiêu, và dự báo đến hạn (nét đứt)",
        "Cumulative against the target, with the projection to the deadline (dashed)",
    ),
    (
        "chart_daily",
        "Kết quả từng ngày (nền xám: cuối tuần)",
        "Daily results (grey: weekends)",
    ),
    ("map", "Bản đồ phủ xanh", "Green map"),
    (
        "funnel_chart",
        "Số công dân qua từng bước (trong ngoặc: tỷ lệ so với bước trước)",
        "Citizens at each step (in brackets: share of the step before)",
    ),
    ("map_metric", "Tô màu theo", "Coloured by"),
    ("country", "Toàn quốc", "Whole country"),
    ("provinces", "Các tỉnh, thành phố", "Provinces"),
    (
        "provinces_caption",
        "Bấm vào tiêu đề cột để sắp xếp; bấm vào tên tỉnh để xem chi tiết.",
        "Click a column header to sort; click a province to drill down.",
    ),
    ("tab_ranking", "Xếp hạng", "Ranking"),
    ("tab_completed", "Hoàn thành chỉ tiêu", "Completed"),
    ("tab_compare", "So sánh kỳ trước", "Compare"),
    ("tab_daily", "Kết quả trong ngày", "Daily"),
    ("tab_funnel", "Chuyển đổi", "Funnel"),
    ("quality", "Chất lượng dữ liệu", "Data quality"),
    ("report_settings", "Cài đặt báo cáo", "Report settings"),
    (
        "held_intro",
        "Sự kiện đến trước sự kiện đứng trước nó (ví dụ tệp kích hoạt nhập trước tệp thu nhận) được giữ lại, không tính vào số liệu, và tự động được ghi nhận vào đúng ngày của nó khi sự kiện còn thiếu được nhập.",
        "Events that arrive before the events they follow (an activation file loaded before the collection file) are held, counted in no figure, and recorded at their own day as soon as what they wait for is imported.",
    ),
    ("held_title", "Sự kiện đang chờ", "Held events"),
    (
        "held_older",
        "nhận từ số ngày trước trở lên",
        "received at least this many days ago",
    ),
    ("received_at_least", "nhận từ", "received at least"),
    ("days_ago", "ngày trước trở lên", "days ago"),
    ("held_unit", "Đơn vị", "Unit"),
    (
        "held_by_unit",
        "Theo đơn vị nơi cư trú",
        "By the unit the citizen lives in",
    ),
    ("held_citizen", "Số định danh", "ID number"),
    ("held_kind", "Loại", "Kind"),
    ("held_level", "Mức", "Level"),
    ("held_at", "Thời điểm", "At"),
    ("held_waiting", "Đang chờ", "Waiting for"),
    ("held_days", "Số ngày chờ", "Days waiting"),
    ("held_source", "Nguồn", "Source"),
    (
        "held_none",
        "Không có sự kiện nào đang chờ.",
        "No event is held.",
    ),
    ("held_shown", "Hiển thị", "Showing"),
];
