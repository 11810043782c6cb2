//! A unit's analytics as pages: ranking, completed, compare, daily and
//! funnel, from the same reports as the API and the command line, with the
//! API's parameters and defaults; the period of a comparison or a report
//! chosen as [`phuxanh_report::period`] says.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::response::Response;
use minijinja::context;
use phuxanh_domain::{Day, Metric};
use phuxanh_report::period::{Period, PeriodError};
use phuxanh_store::{Campaign, Store};
use serde::Serialize;

use crate::api::unit_code;
use crate::contract::Rule;
use crate::dated::When;
use crate::lang::Lang;
use crate::pages::{day, error_page_in, param, render, tabs};
use crate::{ApiError, AppState};

/// The period a page (or a report download) asks for: `period=7`, `30`,
/// `campaign:NAME` or `from` (with `from=DAY`, to the day looked at); or
/// `campaign=NAME`, or `from=DAY` alone; none for the default.
pub(crate) fn period(q: &HashMap<String, String>, day: Day) -> Result<Option<Period>, ApiError> {
    let from = crate::pages::day(q, "from")?;
    let campaign = q.get("campaign").filter(|c| !c.is_empty());
    Ok(match q.get("period").map(String::as_str) {
        Some("7") => Some(Period::LastDays(7)),
        Some("30") => Some(Period::LastDays(30)),
        Some("from") | None if from.is_some() => {
            Some(Period::Range(from.expect("checked just above"), day))
        }
        Some("from") => return Err(ApiError::invalid("from", "give the period's first day")),
        Some(p) if p.starts_with("campaign:") => {
            Some(Period::Campaign(p["campaign:".len()..].to_string()))
        }
        Some("") | None => campaign.map(|c| Period::Campaign(c.clone())),
        Some(other) => {
            return Err(ApiError::invalid(
                "period",
                format!("'{other}' is not 7, 30, from or campaign:NAME"),
            ));
        }
    })
}

/// A period's error as the API's: an unknown campaign, or none of its
/// days by the day asked, is not found; the rest a bad request.
pub(crate) fn period_error(e: PeriodError) -> ApiError {
    match e {
        PeriodError::NoCampaign(_) | PeriodError::CampaignLater { .. } => {
            ApiError::not_found(e.to_string())
        }
        PeriodError::Window(_) => ApiError::invalid("period", e.to_string()),
    }
}

/// The period picker of the compare page: the campaigns, the last 7 and
/// 30 days, or from a day.
fn period_select(lang: Lang, campaigns: &[Campaign], chosen: &Period) -> Select {
    let mut options: Vec<OptionView> = campaigns
        .iter()
        .map(|c| OptionView {
            value: format!("campaign:{}", c.name),
            label: format!(
                "{} «{}» ({}–{})",
                lang.pick("Đợt", "Campaign"),
                c.name,
                lang.date(c.from),
                lang.date(c.to)
            ),
            selected: *chosen == Period::Campaign(c.name.clone()),
        })
        .collect();
    for (value, vi, en, p) in [
        ("7", "7 ngày qua", "Last 7 days", Period::LastDays(7)),
        ("30", "30 ngày qua", "Last 30 days", Period::LastDays(30)),
    ] {
        options.push(OptionView {
            value: value.into(),
            label: lang.pick(vi, en).into(),
            selected: *chosen == p,
        });
    }
    options.push(OptionView {
        value: "from".into(),
        label: lang
            .pick("Từ ngày … đến ngày đang xem", "From a day to the day shown")
            .into(),
        selected: matches!(chosen, Period::Range(..)),
    });
    Select {
        name: "period",
        label: lang.pick("Kỳ", "Period").into(),
        options,
    }
}

#[derive(Serialize)]
struct Step {
    href: String,
    rel: &'static str,
    label: String,
}

#[derive(Serialize)]
struct ColumnView {
    label: String,
    numeric: bool,
}

#[derive(Serialize)]
struct ReportCell {
    text: String,
    sort: String,
    numeric: bool,
    link: Option<String>,
}

/// A report's sheet as the page's table: headers and texts in the page's
/// language, numbers in its format, unit names linked to their overview.
fn table_of(
    sheet: &phuxanh_report::render::Sheet,
    lang: Lang,
    as_of: Day,
) -> (Vec<ColumnView>, Vec<Vec<ReportCell>>) {
    use phuxanh_report::render::Cell;
    let code_col = sheet.columns.iter().position(|(m, _)| m == "code");
    let columns = sheet
        .columns
        .iter()
        .enumerate()
        .map(|(i, (key, label))| ColumnView {
            label: match lang {
                Lang::Vi => label.clone(),
                Lang::En => lang.column(key),
            },
            numeric: sheet
                .rows
                .iter()
                .any(|r| matches!(r.get(i), Some(Cell::Int(_) | Cell::Pct(_)))),
        })
        .collect();
    let rows = sheet
        .rows
        .iter()
        .map(|row| {
            let code = code_col.and_then(|i| match row.get(i) {
                Some(Cell::Text(c)) => Some(c.clone()),
                _ => None,
            });
            row.iter()
                .enumerate()
                .map(|(i, cell)| {
                    let (text, sort, numeric) = match cell {
                        Cell::Text(s) => (lang.text(s), s.clone(), false),
                        Cell::Int(n) => (lang.number(*n), n.to_string(), true),
                        Cell::Pct(Some(p)) => (lang.percent(*p), p.hundredths().to_string(), true),
                        // No percentage (a zero base): an empty cell, not a
                        // dash that reads as missing data.
                        Cell::Pct(None) => (String::new(), String::new(), true),
                        Cell::Date(d) => (lang.date(*d), d.to_string(), false),
                        Cell::Level(l) => (
                            lang.pick(phuxanh_report::vi::level(*l), l.as_str())
                                .to_string(),
                            l.as_str().to_string(),
                            false,
                        ),
                        Cell::Decimal(x) => (lang.decimal(*x), x.to_string(), true),
                        Cell::Empty => (String::new(), String::new(), false),
                    };
                    let is_name = sheet.columns.get(i).is_some_and(|(m, _)| m == "name");
                    ReportCell {
                        link: code
                            .as_ref()
                            .filter(|_| is_name)
                            .map(|c| format!("/units/{c}?as_of={as_of}&lang={}", lang.code())),
                        text,
                        sort,
                        numeric,
                    }
                })
                .collect()
        })
        .collect();
    (columns, rows)
}

/// A view's figures, its heading's sentence in the page's language and the
/// API request that gives the same figures.
struct Built {
    sheet: phuxanh_report::render::Sheet,
    title: String,
    notes: Vec<String>,
    stages: Option<phuxanh_report::funnel::Steps>,
    api_query: Vec<(&'static str, String)>,
}

/// One of a unit's analytics as a page: ranking, completed, compare, daily,
/// funnel. The parameters are the API's, with the same defaults.
pub(crate) async fn view(
    State(s): State<Arc<AppState>>,
    caller: crate::auth::Caller,
    Path((code, view)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    use phuxanh_report::Report;
    use phuxanh_report::ranking::Show;
    let lang = Lang::from_query(&q);
    if !["ranking", "completed", "compare", "daily", "funnel"].contains(&view.as_str()) {
        return error_page_in(
            lang,
            ApiError::not_found(format!("no page '{view}' for a unit")),
        );
    }
    let day_param = if view == "daily" { "date" } else { "as_of" };
    let parsed = (|| {
        let metric = param(&q, "metric", Rule::OneOf(crate::api::METRICS))?.unwrap_or(
            phuxanh_domain::TargetMetric::new(Metric::Collected).expect("a target metric"),
        );
        Ok((
            unit_code(&code)?,
            day(&q, day_param)?,
            metric,
            param::<phuxanh_domain::UnitLevel>(&q, "level", Rule::OneOf(crate::api::LEVELS))?,
        ))
    })();
    let (code, asked, metric, level) = match parsed {
        Ok(x) => x,
        Err(e) => return error_page_in(lang, e),
    };
    let stale_days = s.stale_days;
    let view_name = view.clone();
    let query = q.clone();
    let built = tokio::task::spawn_blocking(move || -> Result<_, ApiError> {
        let store = s.pool.get();
        let scope = caller.scope();
        let unit = store.unit(&scope, &code)?;
        let generation = store.generation()?;
        let when = When::read(&*store, &scope, asked)?;
        let day = when.day;
        let campaigns = store.campaigns(&scope)?;
        let chosen_period = period(&query, day)?.unwrap_or_default();
        // The API's request for the same figures, for the page's JSON link.
        let mut api_query = vec![(day_param, day.to_string())];
        if matches!(view_name.as_str(), "ranking" | "completed") {
            api_query.push(("metric", metric.to_string()));
            api_query.extend(level.map(|l: phuxanh_domain::UnitLevel| ("level", l.to_string())));
        }
        let built = match view_name.as_str() {
            "ranking" => {
                let r = phuxanh_report::ranking::ranking(
                    &*store,
                    &scope,
                    &code,
                    metric,
                    level,
                    day,
                    Show::All,
                )?;
                Built {
                    title: match lang {
                        Lang::Vi => r.sheet().title,
                        Lang::En => format!(
                            "{} — units ranked by {} against their targets, as of {} ({} units)",
                            r.unit.name,
                            lang.metric(r.metric).to_lowercase(),
                            lang.date(day),
                            r.ranked
                        ),
                    },
                    sheet: r.table_sheet(),
                    notes: r.notes(),
                    stages: None,
                    api_query,
                }
            }
            "completed" => {
                let r =
                    phuxanh_report::ranking::completed(&*store, &scope, &code, metric, level, day)?;
                Built {
                    title: match lang {
                        Lang::Vi => r.sheet().title,
                        Lang::En => format!(
                            "{} — units that reached their {} target by {}: {} of {} with a target",
                            r.unit.name,
                            lang.metric(r.metric).to_lowercase(),
                            lang.date(day),
                            r.rows.len(),
                            r.with_target
                        ),
                    },
                    sheet: r.table_sheet(),
                    notes: r.notes(),
                    stages: None,
                    api_query,
                }
            }
            "compare" => {
                let chosen = chosen_period
                    .resolve(&campaigns, day)
                    .map_err(period_error)?;
                let w = chosen.window;
                let api_query = match &chosen.campaign {
                    Some(n) => vec![("campaign", n.clone()), ("to", w.to.to_string())],
                    None => vec![("from", w.from.to_string()), ("to", w.to.to_string())],
                };
                let r = phuxanh_report::compare::compare(
                    &*store,
                    &scope,
                    &code,
                    w,
                    chosen.campaign.clone(),
                )?;
                let b = r.baseline;
                let name = chosen
                    .campaign
                    .as_ref()
                    .map_or(String::new(), |c| match lang {
                        Lang::Vi => format!("đợt «{c}» "),
                        Lang::En => format!("the campaign «{c}» "),
                    });
                let title = match lang {
                    Lang::Vi => format!(
                        "{} — {name}từ {} đến {} ({} ngày), so với {} ngày trước đó, từ {} đến {}",
                        unit.name,
                        lang.date(w.from),
                        lang.date(w.to),
                        w.days,
                        b.days,
                        lang.date(b.from),
                        lang.date(b.to)
                    ),
                    Lang::En => format!(
                        "{} — {name}from {} to {} ({} days), against the {} days before, {} to {}",
                        unit.name,
                        lang.date(w.from),
                        lang.date(w.to),
                        w.days,
                        b.days,
                        lang.date(b.from),
                        lang.date(b.to)
                    ),
                };
                let mut notes = r.notes();
                if chosen.cut {
                    notes.push(
                        lang.pick(
                            "Đợt chưa kết thúc vào ngày đang xem: so sánh đến ngày đó.",
                            "The campaign had not ended by the day shown: compared up to that day.",
                        )
                        .to_string(),
                    );
                }
                Built {
                    title,
                    sheet: r.table_sheet(),
                    notes,
                    stages: None,
                    api_query,
                }
            }
            "daily" => {
                let r = phuxanh_report::daily::daily(&*store, &scope, &code, day)?;
                let week = phuxanh_report::daily::daily(&*store, &scope, &code, day.plus_days(-7))?;
                let weekly = phuxanh_report::compare::compare(
                    &*store,
                    &scope,
                    &code,
                    Period::LastDays(7)
                        .resolve(&[], day)
                        .map_err(period_error)?
                        .window,
                    None,
                )?;
                let weekend = match lang {
                    Lang::Vi if r.weekend => " (cuối tuần)",
                    Lang::En if r.weekend => " (weekend)",
                    _ => "",
                };
                let title = match lang {
                    Lang::Vi => format!(
                        "{} — kết quả ngày {}, {}{weekend}",
                        unit.name,
                        r.weekday,
                        lang.date(day)
                    ),
                    Lang::En => format!(
                        "{} — results of {}, {}{weekend}",
                        unit.name,
                        lang.weekday(day),
                        lang.date(day)
                    ),
                };
                let mut notes = r.notes();
                notes.push(week_on_week(lang, day, &r, &week, &weekly));
                Built {
                    title,
                    sheet: r.table_sheet(),
                    notes,
                    stages: None,
                    api_query,
                }
            }
            _ => {
                let r = phuxanh_report::funnel::funnel(&*store, &scope, &code, day)?;
                Built {
                    title: match lang {
                        Lang::Vi => r.sheet().title,
                        Lang::En => format!(
                            "{} — conversion between the steps, as of {}",
                            unit.name,
                            lang.date(day)
                        ),
                    },
                    stages: Some(r.unit.steps.clone()),
                    sheet: r.table_sheet(),
                    notes: r.notes(),
                    api_query,
                }
            }
        };
        Ok((unit, generation, built, campaigns, chosen_period, when))
    })
    .await;
    let (unit, generation, built, campaigns, chosen_period, when) = match built {
        Ok(Ok(x)) => x,
        Ok(Err(e)) => return error_page_in(lang, e),
        Err(e) => return error_page_in(lang, ApiError::from_join(e)),
    };
    let day = when.day;
    let words = lang.words();
    let (columns, rows) = table_of(&built.sheet, lang, day);
    let mut selects = if matches!(view.as_str(), "ranking" | "completed") {
        selects(lang, metric, level)
    } else {
        Vec::new()
    };
    let period_from = if view == "compare" {
        selects.push(period_select(lang, &campaigns, &chosen_period));
        Some(match chosen_period {
            Period::Range(from, _) => from.to_string(),
            _ => String::new(),
        })
    } else {
        None
    };
    let carried = |k: &str| {
        !matches!(
            k,
            "as_of" | "date" | "lang" | "metric" | "level" | "period" | "from" | "campaign"
        )
    };
    let mut hidden: Vec<(String, String)> = q
        .iter()
        .filter(|(k, _)| carried(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    hidden.sort();
    let link_with = |params: &[(&str, String)]| {
        let mut all: Vec<(String, String)> = q
            .iter()
            .filter(|(k, _)| !params.iter().any(|(p, _)| p == k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        all.extend(params.iter().map(|(k, v)| (k.to_string(), v.clone())));
        all.sort();
        format!(
            "/units/{}/{view}?{}",
            unit.code,
            form_urlencoded::Serializer::new(String::new())
                .extend_pairs(all)
                .finish()
        )
    };
    let steps = if view == "daily" {
        vec![
            Step {
                href: link_with(&[("date", day.plus_days(-1).to_string())]),
                rel: "prev",
                label: format!("← {}", lang.date(day.plus_days(-1))),
            },
            Step {
                href: link_with(&[("date", day.plus_days(1).to_string())]),
                rel: "next",
                label: format!("{} →", lang.date(day.plus_days(1))),
            },
        ]
    } else {
        Vec::new()
    };
    let lang_href = link_with(&[("lang", lang.other().code().to_string())]);
    let query = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(built.api_query)
        .finish();
    let json = format!("/api/v1/units/{}/{view}?{query}", unit.code);
    let heading = lang.word(&format!("tab_{view}"));
    render(
        "report.html",
        context! {
            lang => lang.code(),
            other_lang => lang.other().code(),
            lang_href => lang_href,
            t => words,
            heading => heading,
            page_name => heading,
            crumbs => vec![context! { code => unit.code.to_string(), name => unit.name.clone(), link => true }],
            map_params => Vec::<(String, String)>::new(),
            title => built.title,
            notes => built.notes,
            unit => context! { code => unit.code.to_string(), name => unit.name.clone() },
            as_of => day.to_string(),
            day_param => day_param,
            hidden => hidden,
            selects => selects,
            period_from => period_from,
            steps => steps,
            generation => generation,
            tabs => tabs(unit.code.as_str(), day, lang, &view),
            columns => columns,
            rows => rows,
            json => json,
            funnel => built.stages.map(|s| funnel_bars(&s, lang)),
            dated => when.said(lang, stale_days),
        },
    )
}

/// The day against the same weekday a week before, and the 7 days to it
/// against the 7 before, for the unit itself.
fn week_on_week(
    lang: Lang,
    day: Day,
    today: &phuxanh_report::daily::Daily,
    week_before: &phuxanh_report::daily::Daily,
    weekly: &phuxanh_report::compare::Comparison,
) -> String {
    let both = |f: &dyn Fn(Metric) -> String| {
        format!(
            "{} {}, {} {}",
            lang.metric(Metric::Collected).to_lowercase(),
            f(Metric::Collected),
            lang.metric(Metric::Activated).to_lowercase(),
            f(Metric::Activated)
        )
    };
    let vs = |now: i64, then: i64| match phuxanh_report::compare::growth(now, then) {
        Some(p) if p.hundredths() >= 0 => format!("{} (+{})", lang.number(now), lang.percent(p)),
        Some(p) => format!("{} ({})", lang.number(now), lang.percent(p)),
        None => lang.number(now),
    };
    let same_day = both(&|m| vs(today.unit.increase.get(m), week_before.unit.increase.get(m)));
    let last7 = both(&|m| vs(weekly.unit.window.get(m), weekly.unit.baseline.get(m)));
    let before = day.plus_days(-7);
    match lang {
        Lang::Vi => format!(
            "So với {} tuần trước ({}): {same_day}. Bảy ngày đến {} so với bảy ngày trước đó: {last7}.",
            vi_lower(phuxanh_report::vi::weekday(before)),
            lang.date(before),
            lang.date(day)
        ),
        Lang::En => format!(
            "Against {} a week before ({}): {same_day}. The 7 days to {} against the 7 before: {last7}.",
            lang.weekday(before),
            lang.date(before),
            lang.date(day)
        ),
    }
}

/// "Thứ Ba" → "thứ Ba" inside a sentence.
fn vi_lower(weekday: &str) -> String {
    let mut c = weekday.chars();
    c.next()
        .map(|f| f.to_lowercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

/// A bar of the funnel chart: a stage, its citizens, and the share of the
/// stage before it that reached it.
#[derive(Serialize)]
struct FunnelBar {
    label: &'static str,
    value: String,
    /// Of the widest bar, in percent.
    width: f64,
    conversion: Option<String>,
}

/// The funnel of the unit's own steps, collected to used, as bars.
fn funnel_bars(steps: &phuxanh_report::funnel::Steps, lang: Lang) -> Vec<FunnelBar> {
    let mut stages: Vec<(Metric, i64, Option<phuxanh_domain::Percent>)> = Vec::new();
    for (t, step) in &steps.0 {
        let (from, to) = t.stages();
        if stages.is_empty() {
            stages.push((from, step.from, None));
        }
        stages.push((to, step.to, step.conversion_pct));
    }
    let widest = stages.iter().map(|s| s.1).max().unwrap_or(0).max(1) as f64;
    stages
        .into_iter()
        .map(|(m, n, pct)| FunnelBar {
            label: lang.metric(m),
            value: lang.number(n),
            width: (n as f64 / widest * 1000.0).round() / 10.0,
            conversion: pct.map(|p| lang.percent(p)),
        })
        .collect()
}

#[derive(Serialize)]
struct OptionView {
    value: String,
    label: String,
    selected: bool,
}

#[derive(Serialize)]
struct Select {
    name: &'static str,
    label: String,
    options: Vec<OptionView>,
}

/// The metric and level pickers of the ranking and completed pages.
fn selects(
    lang: Lang,
    metric: phuxanh_domain::TargetMetric,
    level: Option<phuxanh_domain::UnitLevel>,
) -> Vec<Select> {
    use phuxanh_domain::UnitLevel;
    let metrics = phuxanh_domain::TargetMetric::ALL
        .into_iter()
        .map(|m| OptionView {
            value: m.as_str().to_string(),
            label: lang.metric(m).to_string(),
            selected: m == metric.metric(),
        })
        .collect();
    let (children, level_word) = match lang {
        Lang::Vi => ("Trực thuộc", "Cấp"),
        Lang::En => ("Children", "Level"),
    };
    let mut levels = vec![OptionView {
        value: String::new(),
        label: children.to_string(),
        selected: level.is_none(),
    }];
    for l in [UnitLevel::District, UnitLevel::Commune, UnitLevel::Village] {
        levels.push(OptionView {
            value: l.as_str().to_string(),
            label: match lang {
                Lang::Vi => l.vietnamese().to_string(),
                Lang::En => l.as_str().to_string(),
            },
            selected: level == Some(l),
        });
    }
    vec![
        Select {
            name: "metric",
            label: lang.word("target"),
            options: metrics,
        },
        Select {
            name: "level",
            label: level_word.to_string(),
            options: levels,
        },
    ]
}
