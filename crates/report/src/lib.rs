//! From counters to what a campaign leader reads: the figures of a unit
//! (target percentages, coverage, 7-day pace, projection at the deadline)
//! and their renderings — a Vietnamese table for the terminal, JSON for
//! machines (the shape docs/formats.md gives), CSV and XLSX for the People's
//! Committee. Nothing here reads a database directly: figures come from
//! [`UnitFigures`] or through the `Store` trait, from the live counters only.
//!
//! [`UnitFigures`]: phuxanh_store::UnitFigures

pub mod access;
pub mod briefing;
pub mod compare;
pub mod contacts;
pub mod daily;
pub mod field;
pub mod funnel;
pub mod issued;
mod pdf;
pub mod pending;
pub mod period;
pub mod progress;
pub mod ranking;
pub mod render;
pub mod series;
pub mod summary;
pub mod targets;
pub mod vi;

pub use pdf::list_pdf;
pub use progress::Progress;
pub use render::{Format, RenderError, Report};

/// A row for `code` and one for each unit directly under it, in code order.
pub(crate) fn unit_and_children<T>(
    store: &dyn phuxanh_store::Store,
    scope: &phuxanh_store::Scope,
    code: &phuxanh_domain::UnitCode,
    row: impl Fn(&phuxanh_store::Unit) -> phuxanh_store::Result<T>,
) -> phuxanh_store::Result<(T, Vec<T>)> {
    let unit = row(&store.unit(scope, code)?)?;
    let children = store
        .children(scope, code)?
        .iter()
        .map(&row)
        .collect::<phuxanh_store::Result<Vec<_>>>()?;
    Ok((unit, children))
}
