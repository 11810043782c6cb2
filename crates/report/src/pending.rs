//! `pending list`: the events held until their predecessors arrive — an
//! activation export loaded before the collection export — with what each
//! waits for, since when, and from which file or request it came.

use phuxanh_domain::{Instant, UnitCode};
use phuxanh_store::{PendingEvent, PendingQuery, Result, Scope, Store};
use serde::Serialize;

use crate::render::{Cell, Report, Sheet, columns};
use crate::vi;

/// Events listed at most; the total counts them all.
pub const LIMIT: usize = 10_000;

#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct HeldEvent {
    pub event_id: String,
    /// The 12-digit personal identification number.
    pub citizen_id: String,
    /// The unit the citizen lives in.
    pub unit: String,
    pub kind: String,
    pub level: u8,
    /// RFC 3339, Vietnam time.
    pub at: String,
    pub waiting_for: String,
    /// When Phủ Xanh received it (RFC 3339).
    pub received_at: String,
    /// Days since then, whole.
    pub waiting_days: i64,
    /// The file or `api`.
    pub source: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Pending {
    /// Held events that match, of which `events` lists the first 10,000.
    pub total: u64,
    /// Only those received at least this many days ago, when asked.
    pub older_than_days: Option<u32>,
    pub events: Vec<HeldEvent>,
}

fn held_event(p: PendingEvent, now: Instant) -> HeldEvent {
    HeldEvent {
        event_id: p.event.id.to_string(),
        citizen_id: p.event.citizen.to_string(),
        unit: p.unit.to_string(),
        kind: p.event.kind.to_string(),
        level: p.event.level.number(),
        at: p.event.at.to_rfc3339(),
        waiting_for: p.waiting_for,
        received_at: p.received_at.to_rfc3339(),
        waiting_days: (now.unix_seconds() - p.received_at.unix_seconds()).max(0) / 86_400,
        source: p.source,
    }
}

/// The held events of citizens in `scope` (and under `unit`), received at
/// least `older_than_days` days before `now`, oldest first.
pub fn pending(
    store: &dyn Store,
    scope: &Scope,
    unit: Option<&UnitCode>,
    older_than_days: Option<u32>,
    now: Instant,
) -> Result<Pending> {
    let query = PendingQuery {
        unit: unit.cloned(),
        received_before: older_than_days
            .map(|d| Instant::from_unix_seconds(now.unix_seconds() - i64::from(d) * 86_400)),
        limit: LIMIT,
    };
    let list = store.pending(scope, &query)?;
    Ok(Pending {
        total: list.total,
        older_than_days,
        events: list
            .events
            .into_iter()
            .map(|p| held_event(p, now))
            .collect(),
    })
}

impl Pending {
    /// The list with its ID numbers masked (`083******789`), for the roles
    /// that do not need them whole.
    pub fn masked(mut self) -> Pending {
        for e in &mut self.events {
            e.citizen_id = match e.citizen_id.parse::<phuxanh_domain::CitizenId>() {
                Ok(id) => id.masked(),
                // Never the case (the store holds valid numbers), and
                // never shown whole if it were.
                Err(_) => "*".repeat(e.citizen_id.chars().count()),
            };
        }
        self
    }
}

impl Pending {
    /// What fits a portrait A4 page: the terminal's columns, times as
    /// `01/10/2023 09:00`.
    pub fn print_sheet(&self) -> Sheet {
        let mut sheet = self.table_sheet();
        let at = sheet.columns.iter().position(|(m, _)| m == "at");
        for (row, e) in sheet.rows.iter_mut().zip(&self.events) {
            if let (Some(i), Ok(t)) = (at, phuxanh_domain::Instant::parse_file(&e.at)) {
                row[i] = Cell::Text(format!("{} {}", vi::date(t.day()), t.clock()));
            }
        }
        sheet
    }
}

impl Report for Pending {
    fn sheet(&self) -> Sheet {
        let cols = columns(&[
            ("event_id", "Mã sự kiện"),
            ("citizen_id", "Số định danh"),
            ("unit", "Đơn vị"),
            ("kind", "Loại"),
            ("level", "Mức"),
            ("at", "Thời điểm"),
            ("waiting_for", "Đang chờ"),
            ("received_at", "Nhận lúc"),
            ("waiting_days", "Số ngày chờ"),
            ("source", "Nguồn"),
        ]);
        let rows = self
            .events
            .iter()
            .map(|e| {
                vec![
                    Cell::Text(e.event_id.clone()),
                    Cell::Text(e.citizen_id.clone()),
                    Cell::Text(e.unit.clone()),
                    Cell::Text(e.kind.clone()),
                    Cell::Int(i64::from(e.level)),
                    Cell::Text(e.at.clone()),
                    Cell::Text(e.waiting_for.clone()),
                    Cell::Text(e.received_at.clone()),
                    Cell::Int(e.waiting_days),
                    Cell::Text(e.source.clone()),
                ]
            })
            .collect();
        Sheet {
            title: match self.older_than_days {
                Some(d) => format!(
                    "Sự kiện đang chờ sự kiện trước đó, nhận từ {} ngày trước trở lên: {}",
                    d,
                    vi::number(self.total as i64)
                ),
                None => format!(
                    "Sự kiện đang chờ sự kiện trước đó: {}",
                    vi::number(self.total as i64)
                ),
            },
            columns: cols,
            rows,
        }
    }

    fn table_sheet(&self) -> Sheet {
        let mut sheet = self.sheet();
        // The terminal leaves out the event id and the source's path.
        let keep = [
            "citizen_id",
            "unit",
            "kind",
            "level",
            "at",
            "waiting_for",
            "waiting_days",
        ];
        let picked: Vec<usize> = sheet
            .columns
            .iter()
            .enumerate()
            .filter(|(_, (m, _))| keep.contains(&m.as_str()))
            .map(|(i, _)| i)
            .collect();
        sheet.columns = picked.iter().map(|&i| sheet.columns[i].clone()).collect();
        sheet.rows = sheet
            .rows
            .iter()
            .map(|r| picked.iter().map(|&i| r[i].clone()).collect())
            .collect();
        sheet
    }

    fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if self.total as usize > self.events.len() {
            notes.push(format!(
                "Chỉ liệt kê {} sự kiện đầu tiên (the first {} of {}).",
                vi::number(self.events.len() as i64),
                self.events.len(),
                self.total
            ));
        }
        if self.total > 0 {
            notes.push(
                "Một sự kiện đang chờ được ghi nhận, vào đúng ngày của nó, khi sự kiện trước đó được nhập (held events are applied at their own day when what they wait for arrives)."
                    .to_string(),
            );
        }
        notes
    }
}
