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

    /// The language a form's `lang` field names.
    pub(crate) fn from_code(code: Option<&str>) -> Lang {
        match code {
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

    /// A rate with two decimals: `587,29` (`587.29` in English).
    pub(crate) fn decimal(self, x: f64) -> String {
        match self {
            Lang::Vi => vi::decimal(x),
            Lang::En => format!("{:.2}", (x * 100.0).round() / 100.0),
        }
    }

    /// The day of the week.
    pub(crate) fn weekday(self, d: Day) -> &'static str {
        let vi = vi::weekday(d);
        match self {
            Lang::Vi => vi,
            Lang::En => match vi {
                "Thứ Hai" => "Monday",
                "Thứ Ba" => "Tuesday",
                "Thứ Tư" => "Wednesday",
                "Thứ Năm" => "Thursday",
                "Thứ Sáu" => "Friday",
                "Thứ Bảy" => "Saturday",
                _ => "Sunday",
            },
        }
    }

    /// A report's column in English by its key (`collected_window`,
    /// `rank_before`, …); the reports name them in Vietnamese.
    pub(crate) fn column(self, key: &str) -> String {
        let fixed = [
            ("rank", "Rank"),
            ("code", "Code"),
            ("name", "Unit"),
            ("parent", "Under"),
            ("count", "Count"),
            ("target", "Target"),
            ("target_pct", "Of target"),
            ("rank_before", "Rank the day before"),
            ("change", "Change"),
            ("reached_on", "Reached on"),
            ("deadline", "Deadline"),
            ("on_time", "On time"),
        ];
        if let Some((_, en)) = fixed.iter().find(|(k, _)| *k == key) {
            return (*en).to_string();
        }
        let metric = |m: &str| m.parse::<Metric>().ok().map(|m| self.metric(m));
        for (suffix, en) in [
            ("_window", "in the period"),
            ("_baseline", "in the period before"),
            ("_growth_pct", "change"),
            ("_increase", "on the day"),
            ("_total", "to date"),
        ] {
            if let Some(m) = key.strip_suffix(suffix).and_then(metric) {
                return format!("{m}, {en}");
            }
        }
        if let Some(m) = metric(key) {
            return m.to_string();
        }
        for (suffix, en) in [("_pct", "Share"), ("_median_days", "Median days")] {
            if let Some(t) = key.strip_suffix(suffix)
                && let Some((from, to)) = t.split_once("_to_")
                && let (Some(f), Some(t)) = (metric(from), metric(to))
            {
                return format!("{en}, {f} → {}", t.to_lowercase());
            }
        }
        key.to_string()
    }

    /// A report's Vietnamese text cell in this language: its yes and no.
    pub(crate) fn text(self, s: &str) -> String {
        match (self, s) {
            (Lang::En, "có") => "yes".into(),
            (Lang::En, "không") => "no".into(),
            _ => s.to_string(),
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
        "Lũy kế so với chỉ tiêu; nét đứt: dự báo theo tốc độ 7 ngày qua, và mức cần đạt để kịp hạn",
        "Cumulative against the target; dashed: the projection at the last 7 days' pace, and the pace needed to meet the deadline",
    ),
    (
        "chart_daily",
        "Kết quả từng ngày (nền xám: cuối tuần; nét đứt: mức cần mỗi ngày để kịp hạn)",
        "Daily results (grey: weekends; dashed: the pace needed a day to meet the deadline)",
    ),
    ("map", "Bản đồ phủ xanh", "Green map"),
    (
        "funnel_chart",
        "Số công dân qua từng bước (trong ngoặc: tỷ lệ so với bước trước)",
        "Citizens at each step (in brackets: share of the step before)",
    ),
    ("map_metric", "Tô màu theo", "Coloured by"),
    ("map_by", "màu thể hiện", "colours show"),
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
    ("tab_teams", "Tổ công tác", "Teams"),
    ("tab_worklist", "Rà soát", "Door to door"),
    ("quality", "Chất lượng dữ liệu", "Data quality"),
    ("report_settings", "Cài đặt báo cáo", "Report settings"),
    ("issue", "Ban hành báo cáo", "Issue the report"),
    ("issue_by", "Người ban hành", "Issued by"),
    ("issue_format", "Định dạng", "Format"),
    ("issued_reports", "Báo cáo đã ban hành", "Issued reports"),
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
    ("held_export", "Tải danh sách", "Download the list"),
    (
        "held_export_note",
        "(ghi nhật ký; tệp ghi tên người tải và thời điểm)",
        "(logged; the file names who downloaded it and when)",
    ),
    ("status", "Tiến độ", "Status"),
    (
        "status_title",
        "Tiến độ thu nhận so với chỉ tiêu: đã hoàn thành, đúng tiến độ, có nguy cơ chậm (dự kiến thiếu dưới 10%), chậm tiến độ",
        "Collection against its target: done, on track, at risk (projected less than 10% short), behind",
    ),
    (
        "pct_title",
        "Tỷ lệ so với chỉ tiêu:",
        "Share of the target:",
    ),
    ("gap", "Còn thiếu", "Gap"),
    (
        "gap_title",
        "Còn thiếu so với chỉ tiêu:",
        "Left to the target:",
    ),
    ("required", "Cần/ngày", "Needed/day"),
    (
        "required_title",
        "Bình quân mỗi ngày cần đạt từ nay đến hạn (tô đỏ khi tốc độ 7 ngày qua thấp hơn):",
        "Needed a day from now to the deadline (red when the last 7 days were slower):",
    ),
    ("on_day", "Ngày", "On"),
    ("day_title", "tăng trong ngày", "added on"),
    ("attention", "Cần chú ý", "Needs attention"),
    (
        "attention_intro",
        "Đơn vị chậm nhất so với tốc độ cần đạt, và số liệu bất thường (ngày tăng đột biến, vượt số công dân đủ điều kiện, không có số liệu mới).",
        "The units furthest behind the pace they need, and figures that look wrong (a day many times the usual, more than the eligible citizens, no new figures).",
    ),
    (
        "attention_none",
        "Không có đơn vị nào cần chú ý.",
        "No unit needs attention.",
    ),
    ("contacts", "Liên hệ", "Contacts"),
    (
        "contacts_none",
        "Chưa có liên hệ — nhập bằng",
        "No contacts yet — import them with",
    ),
    ("call", "Gọi", "Call"),
    ("not_collected", "Chưa thu nhận", "Not yet collected"),
    ("controls", "Chọn số liệu", "Choose the figures"),
    ("chart_table", "7 ngày gần nhất", "The last 7 days"),
    ("day", "Ngày", "Day"),
    (
        "collected_day",
        "Thu nhận trong ngày",
        "Collected on the day",
    ),
    (
        "activated_day",
        "Kích hoạt trong ngày",
        "Activated on the day",
    ),
    ("collected_total", "Thu nhận lũy kế", "Collected to date"),
    ("activated_total", "Kích hoạt lũy kế", "Activated to date"),
    ("search", "Tìm", "Search"),
    ("search_title", "Tìm đơn vị", "Find a unit"),
    (
        "search_label",
        "Tên hoặc mã đơn vị",
        "A unit's name or code",
    ),
    ("search_placeholder", "Tìm đơn vị…", "Find a unit…"),
    ("period_from", "Từ ngày", "From"),
    ("totals", "Tổng hợp toàn quốc", "National totals"),
];
