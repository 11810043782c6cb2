//! Which day a page shows, and what it says about how fresh that is.
//!
//! Without `as_of` a page opens on today when today has events, and
//! otherwise on the last day that has any, saying so: a campaign whose data
//! ended three years ago is not shown as of today with flat charts. Today is
//! "đến HH:MM hôm nay", never "hết ngày", since it is not over. A chosen
//! day after the data, in the future or before the first event gets a
//! notice, and a campaign that is running while no data has come for a
//! while gets a warning.

use phuxanh_domain::{Day, Instant};
use phuxanh_store::{Campaign, Freshness, Store, StoreError};
use serde::Serialize;

use crate::lang::Lang;

/// What a page says about its day, under the header.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub(crate) struct Dated {
    /// "Số liệu tính đến hết ngày 14/11/2023" or "Số liệu đến 09:30 hôm nay".
    pub label: String,
    /// When events were last recorded, and from where.
    pub updated: Option<String>,
    /// Why the page shows the day it does, or why its figures are not what
    /// they seem (a day after the data, in the future, before it).
    pub notice: Option<String>,
    /// A campaign runs and no data has come for `stale_days` days.
    pub stale: Option<String>,
}

/// What a page reads, with its data, to date itself.
pub(crate) struct When {
    /// The day the page shows.
    pub day: Day,
    asked: Option<Day>,
    freshness: Freshness,
    campaigns: Vec<Campaign>,
}

impl When {
    pub(crate) fn read<S: Store + ?Sized>(
        store: &S,
        scope: &phuxanh_store::Scope,
        asked: Option<Day>,
    ) -> Result<When, StoreError> {
        let freshness = store.freshness()?;
        Ok(When {
            day: day(asked, &freshness, Day::today()),
            asked,
            freshness,
            campaigns: store.campaigns(scope)?,
        })
    }

    /// What the page says about its day, now.
    pub(crate) fn said(&self, lang: Lang, stale_days: u32) -> Dated {
        describe(
            lang,
            self.asked,
            self.day,
            &self.freshness,
            &self.campaigns,
            stale_days,
            Instant::now(),
        )
    }
}

/// The day to show: the one asked for, else today when today has events
/// (or there are none at all), else the last day with events.
pub(crate) fn day(asked: Option<Day>, f: &Freshness, today: Day) -> Day {
    asked.unwrap_or(match f.last_day {
        Some(last) if last < today => last,
        _ => today,
    })
}

/// What to say about showing `day` (from [`day`]) at `now`.
pub(crate) fn describe(
    lang: Lang,
    asked: Option<Day>,
    day: Day,
    f: &Freshness,
    campaigns: &[Campaign],
    stale_days: u32,
    now: Instant,
) -> Dated {
    let today = now.day();
    let date = |d: Day| lang.date(d);
    let label = if day == today {
        match lang {
            Lang::Vi => format!("Số liệu đến {} hôm nay, {}", now.clock(), date(today)),
            Lang::En => format!("Figures up to {} today, {}", now.clock(), date(today)),
        }
    } else {
        format!("{} {}", lang.word("as_of_end"), date(day))
    };
    let updated = f.updated_at.map(|at| {
        let by = f.updated_by.as_deref().unwrap_or("?");
        match lang {
            Lang::Vi => format!(
                "Cập nhật lần cuối lúc {} ngày {}, từ {by}",
                at.clock(),
                date(at.day())
            ),
            Lang::En => format!(
                "Last updated at {} on {}, from {by}",
                at.clock(),
                date(at.day())
            ),
        }
    });
    let notice = match (f.first_day, f.last_day) {
        (None, _) | (_, None) => Some(
            lang.pick(
                "Chưa có số liệu nào: chưa nhập sự kiện nào.",
                "No data yet: no events have been imported.",
            )
            .to_string(),
        ),
        (Some(first), Some(last)) => {
            if asked.is_none() && day == last && last < today {
                Some(match lang {
                    Lang::Vi => format!(
                        "Không có số liệu sau ngày {}: trang mở ở ngày cuối cùng có số liệu.",
                        date(last)
                    ),
                    Lang::En => format!(
                        "No data after {}: the page opens on the last day with data.",
                        date(last)
                    ),
                })
            } else if day > today {
                Some(match lang {
                    Lang::Vi => format!(
                        "Ngày {} chưa đến: số liệu là số liệu hiện có đến nay, không phải dự báo.",
                        date(day)
                    ),
                    Lang::En => format!(
                        "{} has not come yet: these are the figures so far, not a forecast.",
                        date(day)
                    ),
                })
            } else if day > last {
                Some(match lang {
                    Lang::Vi => format!(
                        "Không có số liệu sau ngày {}: số liệu ngày {} là số liệu đến hết ngày {}.",
                        date(last),
                        date(day),
                        date(last)
                    ),
                    Lang::En => format!(
                        "No data after {}: the figures of {} are those at the end of {}.",
                        date(last),
                        date(day),
                        date(last)
                    ),
                })
            } else if day < first {
                Some(match lang {
                    Lang::Vi => format!(
                        "Ngày {} trước ngày đầu tiên có số liệu ({}): chưa có hồ sơ nào.",
                        date(day),
                        date(first)
                    ),
                    Lang::En => format!(
                        "{} is before the first day with data ({}): nothing had been recorded.",
                        date(day),
                        date(first)
                    ),
                })
            } else {
                None
            }
        }
    };
    let running = campaigns.iter().find(|c| c.from <= today && today <= c.to);
    let quiet_since = f.updated_at.map(Instant::day).or(f.last_day);
    let stale = running.and_then(|c| {
        let days = today.days_since(quiet_since?);
        (days >= stale_days as i32).then(|| match lang {
            Lang::Vi => format!(
                "Cảnh báo: {days} ngày không có số liệu mới trong khi chiến dịch “{}” đang diễn ra.",
                c.name
            ),
            Lang::En => format!("Warning: no new data for {days} days while the campaign “{}” is running.", c.name),
        })
    });
    Dated {
        label,
        updated,
        notice,
        stale,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Day {
        s.parse().unwrap()
    }

    fn fresh(first: &str, last: &str, updated: &str) -> Freshness {
        Freshness {
            first_day: Some(d(first)),
            last_day: Some(d(last)),
            updated_at: Some(Instant::start_of(d(updated))),
            updated_by: Some("events.csv".into()),
        }
    }

    fn noon(day: &str) -> Instant {
        Instant::from_unix_seconds(Instant::start_of(d(day)).unix_seconds() + 12 * 3600 + 5 * 60)
    }

    #[test]
    fn without_a_day_a_page_opens_on_the_last_day_with_data_and_says_so() {
        let f = fresh("2023-08-20", "2023-11-14", "2023-11-15");
        let day = day(None, &f, d("2026-12-02"));
        assert_eq!(day, d("2023-11-14"));
        let said = describe(Lang::Vi, None, day, &f, &[], 3, noon("2026-12-02"));
        assert_eq!(said.label, "Số liệu tính đến hết ngày 14/11/2023");
        assert_eq!(
            said.notice.as_deref(),
            Some("Không có số liệu sau ngày 14/11/2023: trang mở ở ngày cuối cùng có số liệu.")
        );
        assert_eq!(
            said.updated.as_deref(),
            Some("Cập nhật lần cuối lúc 00:00 ngày 15/11/2023, từ events.csv")
        );
        assert_eq!(said.stale, None, "no campaign runs in 2026");
    }

    #[test]
    fn today_with_data_is_up_to_now_not_the_end_of_the_day() {
        let f = fresh("2023-08-20", "2026-12-02", "2026-12-02");
        let day = day(None, &f, d("2026-12-02"));
        assert_eq!(day, d("2026-12-02"));
        let said = describe(Lang::Vi, None, day, &f, &[], 3, noon("2026-12-02"));
        assert_eq!(said.label, "Số liệu đến 12:05 hôm nay, 02/12/2026");
        assert_eq!(said.notice, None);
    }

    #[test]
    fn chosen_days_outside_the_data_get_a_notice() {
        let f = fresh("2023-08-20", "2023-11-14", "2023-11-15");
        let now = noon("2026-12-02");
        let say = |day: &str| describe(Lang::En, Some(d(day)), d(day), &f, &[], 3, now).notice;
        assert_eq!(say("2023-10-01"), None);
        assert_eq!(say("2023-11-14"), None);
        assert!(
            say("2023-12-01")
                .unwrap()
                .starts_with("No data after 2023-11-14")
        );
        assert!(say("2030-01-01").unwrap().contains("not a forecast"));
        assert!(
            say("2023-08-19")
                .unwrap()
                .contains("before the first day with data (2023-08-20)")
        );
        let none = describe(
            Lang::Vi,
            None,
            d("2026-12-02"),
            &Freshness::default(),
            &[],
            3,
            now,
        );
        assert!(none.notice.unwrap().starts_with("Chưa có số liệu nào"));
    }

    #[test]
    fn a_running_campaign_without_new_data_for_days_is_stale() {
        let campaign = Campaign {
            name: "60 ngày đêm".into(),
            from: d("2023-08-20"),
            to: d("2023-10-18"),
            unit: None,
        };
        let f = fresh("2023-08-20", "2023-09-27", "2023-09-27");
        let at = |day: &str| {
            describe(
                Lang::Vi,
                None,
                d(day),
                &f,
                std::slice::from_ref(&campaign),
                3,
                noon(day),
            )
            .stale
        };
        assert_eq!(at("2023-09-29"), None, "2 days is not yet stale");
        assert_eq!(
            at("2023-09-30").as_deref(),
            Some(
                "Cảnh báo: 3 ngày không có số liệu mới trong khi chiến dịch “60 ngày đêm” đang diễn ra."
            )
        );
        assert_eq!(at("2023-10-19"), None, "the campaign is over");
    }
}
