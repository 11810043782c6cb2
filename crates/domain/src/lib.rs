//! The campaign's vocabulary and rules, free of IO: administrative units,
//! citizens and their identification numbers, the officials who answer
//! for a unit, lifecycle events and the state machine they must follow,
//! the metrics we count and the counting rules of
//! docs/rules.md (distinct citizens, as-of days in Asia/Ho_Chi_Minh, percentages
//! rounded half-up to two decimals).
//!
//! Everything here *parses*: a value of one of these types has been checked
//! once, at the boundary, and nothing downstream checks it again.

pub mod access;
pub mod citizen;
pub mod contact;
pub mod event;
pub mod field;
pub mod lifecycle;
pub mod metric;
pub mod percent;
pub mod settings;
pub mod target;
pub mod text;
pub mod time;
pub mod timeline;
pub mod unit;

pub use access::{Password, Role, Username};
pub use citizen::{Citizen, CitizenError, CitizenId, Sex};
pub use contact::{Contact, Email, OneLine, Phone};
pub use event::{Event, EventId};
pub use lifecycle::{EventKind, Level, LifecycleError, Stage};
pub use metric::{Contribution, Counts, Firsts, Metric, Transition};
pub use percent::Percent;
pub use settings::{ReportSettings, SettingKey};
pub use target::{TargetMetric, TargetValue, allocate};
pub use time::{Day, Instant};
pub use unit::{UnitCode, UnitLevel};

/// A code or ID read from a file, where a spreadsheet may have stored it as
/// a number and dropped its leading zeros.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Padded<T> {
    /// Read as written.
    AsWritten(T),
    /// Written without its leading zeros; they are put back.
    ZerosRestored(T),
}

impl<T> Padded<T> {
    pub fn into_inner(self) -> T {
        match self {
            Padded::AsWritten(v) | Padded::ZerosRestored(v) => v,
        }
    }
}
