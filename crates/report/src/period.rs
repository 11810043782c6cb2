//! The period a comparison or a period report covers, chosen the same way
//! on the page, in the API and on the command line (docs/rules.md,
//! "Periods"):
//!
//! - a campaign by name: its days, up to the day looked at when that day
//!   falls inside it (so a report on 30/09 of a campaign to 18/10 is of
//!   20/08–30/09, against the 42 days before);
//! - the last 7 or 30 days (or any number) ending on the day looked at;
//! - a range from one day to another.
//!
//! With none chosen: the last [`DEFAULT_DAYS`] days ending on the day.

use phuxanh_domain::Day;
use phuxanh_store::Campaign;

use crate::compare::Window;

/// The default period: the last 30 days ending on the day looked at.
pub const DEFAULT_DAYS: i32 = 30;

/// What a user chose.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Period {
    Campaign(String),
    LastDays(i32),
    Range(Day, Day),
}

/// A period resolved to its days.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chosen {
    pub window: Window,
    /// The campaign's name, when the period is one.
    pub campaign: Option<String>,
    /// A campaign cut at the day looked at, which falls inside it.
    pub cut: bool,
}

/// Why a period cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    #[error("no campaign named '{0}': see `phuxanh campaigns list`")]
    NoCampaign(String),
    #[error("the campaign '{name}' starts on {from}, after the day looked at ({day})")]
    CampaignLater { name: String, from: Day, day: Day },
    #[error("{0}")]
    Window(String),
}

impl Period {
    /// The days of the period for a page, report or API call looking at
    /// `day`, with `campaigns` the database's.
    pub fn resolve(&self, campaigns: &[Campaign], day: Day) -> Result<Chosen, PeriodError> {
        match self {
            Period::Campaign(name) => {
                let wanted = phuxanh_domain::text::normalize(name);
                let c = campaigns
                    .iter()
                    .find(|c| c.name == wanted)
                    .ok_or_else(|| PeriodError::NoCampaign(name.clone()))?;
                if day < c.from {
                    return Err(PeriodError::CampaignLater {
                        name: c.name.clone(),
                        from: c.from,
                        day,
                    });
                }
                let to = c.to.min(day);
                Ok(Chosen {
                    window: Window::new(c.from, to).map_err(PeriodError::Window)?,
                    campaign: Some(c.name.clone()),
                    cut: to < c.to,
                })
            }
            Period::LastDays(n) => {
                let n = (*n).max(1);
                let from = day
                    .checked_plus_days(1 - n)
                    .ok_or_else(|| PeriodError::Window(format!("{n} days before {day}")))?;
                Ok(Chosen {
                    window: Window::new(from, day).map_err(PeriodError::Window)?,
                    campaign: None,
                    cut: false,
                })
            }
            Period::Range(from, to) => Ok(Chosen {
                window: Window::new(*from.min(to), *from.max(to)).map_err(PeriodError::Window)?,
                campaign: None,
                cut: false,
            }),
        }
    }
}

impl Default for Period {
    fn default() -> Period {
        Period::LastDays(DEFAULT_DAYS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> Day {
        s.parse().unwrap()
    }

    fn campaigns() -> Vec<Campaign> {
        vec![Campaign {
            name: "60 ngày đêm".into(),
            from: day("2023-08-20"),
            to: day("2023-10-18"),
            unit: None,
        }]
    }

    #[test]
    fn a_campaign_is_cut_at_the_day_looked_at_inside_it() {
        let c = Period::Campaign("60 ngày đêm".into())
            .resolve(&campaigns(), day("2023-09-30"))
            .unwrap();
        assert_eq!(
            (c.window.from, c.window.to, c.window.days),
            (day("2023-08-20"), day("2023-09-30"), 42)
        );
        assert!(c.cut);
        assert_eq!(c.window.baseline().from, day("2023-07-09"));
        let whole = Period::Campaign("60 ngày đêm".into())
            .resolve(&campaigns(), day("2023-11-14"))
            .unwrap();
        assert_eq!(
            (whole.window.to, whole.window.days, whole.cut),
            (day("2023-10-18"), 60, false)
        );
        assert!(matches!(
            Period::Campaign("60 ngày đêm".into()).resolve(&campaigns(), day("2023-08-01")),
            Err(PeriodError::CampaignLater { .. })
        ));
        assert!(matches!(
            Period::Campaign("khác".into()).resolve(&campaigns(), day("2023-08-01")),
            Err(PeriodError::NoCampaign(_))
        ));
    }

    #[test]
    fn the_last_days_end_on_the_day_and_a_range_is_put_in_order() {
        let w = Period::LastDays(7)
            .resolve(&[], day("2023-11-14"))
            .unwrap()
            .window;
        assert_eq!(
            (w.from, w.to, w.days),
            (day("2023-11-08"), day("2023-11-14"), 7)
        );
        let w = Period::default()
            .resolve(&[], day("2023-11-14"))
            .unwrap()
            .window;
        assert_eq!((w.from, w.days), (day("2023-10-16"), 30));
        let w = Period::Range(day("2023-11-14"), day("2023-11-01"))
            .resolve(&[], day("2024-01-01"))
            .unwrap()
            .window;
        assert_eq!(
            (w.from, w.to, w.days),
            (day("2023-11-01"), day("2023-11-14"), 14)
        );
    }
}
