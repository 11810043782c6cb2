//! Field operations in the dashboard and the API: a unit's teams and their
//! sessions (figures about officers, for anyone signed in to the unit), and
//! the door-to-door lists (`/units/{code}/worklist`, `GET
//! /api/v1/units/{code}/worklist`), which name citizens: every showing and
//! file goes through [`crate::personal::disclose`], ID numbers are masked
//! for team members, and a team member whose user belongs to a team sees
//! the units that team covers and no others.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, RawQuery, State};
use axum::response::{IntoResponse, Response};
use minijinja::context;
use phuxanh_domain::field::{FieldCode, WorklistKind};
use phuxanh_domain::{Day, Instant, Role, UnitCode};
use phuxanh_report::Report;
use phuxanh_report::field::{SessionList, TeamList, Worklist};
use phuxanh_store::{SessionQuery, Store};

use crate::api::unit_code;
use crate::auth::{Access, Caller};
use crate::contract::{Param, Query as Checked, Rule, Slot, route_params};
use crate::dated::When;
use crate::lang::Lang;
use crate::pages::{Crumb, error_page_in, render};
use crate::personal::{Disclosure, File, Use, disclose};
use crate::routes::Table;
use crate::{ApiError, AppState};

pub(crate) fn api_routes(t: Table) -> Table {
    t.get("/units/{code}/teams", Access::Signed, teams_api)
        .get("/units/{code}/results", Access::Signed, results_api)
        .get("/units/{code}/health", Access::Manage, health_api)
        .get("/units/{code}/sessions", Access::Signed, sessions_api)
        .get("/units/{code}/worklist", Access::Persons, worklist_api)
}

pub(crate) fn page_routes(t: Table) -> Table {
    t.get("/units/{code}/teams", Access::Signed, teams_page)
        .get("/units/{code}/worklist", Access::Persons, worklist_page)
        .get(
            "/units/{code}/worklist.xlsx",
            Access::Export,
            |s, c, p, q| worklist_file(s, c, p, q, File::Xlsx),
        )
        .get(
            "/units/{code}/worklist.pdf",
            Access::Export,
            |s, c, p, q| worklist_file(s, c, p, q, File::Pdf),
        )
}

/// The lists' names, as `WorklistKind` writes them.
const KINDS: &[&str] = &[
    "not-applied",
    "not-approved",
    "rejected",
    "not-activated",
    "not-used",
    "not-level-2",
];

const CODE: Slot = Slot::Path(Param {
    name: "code",
    rule: Rule::UnitCode,
    required: true,
    description: "The unit's code: GSO code (`83`, `836`, `28756`) or a village's own code",
});
const TEAM: Slot = Slot::Query(Param {
    name: "team",
    rule: Rule::FieldCode,
    required: false,
    description: "Only the units this team covers (its code, the events file's `team_id`). A team member whose user belongs to a team always gets that team's units, and may not ask for another team's (403)",
});

route_params! {
    TeamsParams = [CODE];
    HealthParams = [
        CODE,
        Slot::Query(Param {
            name: "as_of",
            rule: Rule::Day,
            required: false,
            description: "The day; today when left out",
        }),
        Slot::Query(Param {
            name: "quiet_days",
            rule: Rule::Count,
            required: false,
            description: "A team with no session in this many days is quiet (7 when left out)",
        }),
    ];
    ResultsParams = [
        CODE,
        Slot::Query(Param {
            name: "from",
            rule: Rule::Day,
            required: false,
            description: "Sessions starting on this day or after, and the teams' events from it",
        }),
        Slot::Query(Param {
            name: "to",
            rule: Rule::Day,
            required: false,
            description: "Up to this day, included",
        }),
    ];
    SessionsParams = [
        CODE,
        Slot::Query(Param {
            name: "team",
            rule: Rule::FieldCode,
            required: false,
            description: "Only this team's sessions",
        }),
        Slot::Query(Param {
            name: "from",
            rule: Rule::Day,
            required: false,
            description: "Only sessions starting on this day or after",
        }),
        Slot::Query(Param {
            name: "to",
            rule: Rule::Day,
            required: false,
            description: "Only sessions starting on this day or before",
        }),
    ];
    WorklistParams = [
        CODE,
        Slot::Query(Param {
            name: "kind",
            rule: Rule::OneOf(KINDS),
            required: true,
            description: "Which list: no application, waiting for approval, refused, not activated, never used, no level 2 (docs/rules.md, Field operations)",
        }),
        Slot::Query(Param {
            name: "as_of",
            rule: Rule::Day,
            required: false,
            description: "Who stood where at the end of this day, YYYY-MM-DD from 2000-01-01 to 2100-12-31; today when left out",
        }),
        TEAM,
    ];
}

type Path1 = Result<Path<String>, axum::extract::rejection::PathRejection>;
type Reply = Result<Response, ApiError>;

fn checked_code(path: Path1) -> Result<UnitCode, ApiError> {
    let Path(code) = path.map_err(|e| ApiError::invalid("code", e.body_text()))?;
    unit_code(&code)
}

async fn read<T: Send + 'static>(
    state: &Arc<AppState>,
    f: impl FnOnce(&dyn Store) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let state = state.clone();
    tokio::task::spawn_blocking(move || f(&*state.pool.get()))
        .await
        .map_err(ApiError::from_join)?
}

#[utoipa::path(get, path = "/api/v1/units/{code}/teams", params(TeamsParams), responses((status = 200, description = "The field teams of the unit and the units under it: home unit, the units each covers, leader, members by force, its users and sessions; `teams list --unit U --format json`", body = TeamList)))]
pub(crate) async fn teams_api(
    State(s): State<Arc<AppState>>,
    caller: Caller,
    path: Path1,
    RawQuery(raw): RawQuery,
) -> Reply {
    let code = checked_code(path)?;
    Checked::parse(raw.as_deref(), TeamsParams::SLOTS)?;
    let scope = caller.scope();
    let list = read(&s, move |store| {
        Ok(phuxanh_report::field::teams(store, &scope, Some(&code))?)
    })
    .await?;
    Ok(axum::Json(list).into_response())
}

#[utoipa::path(get, path = "/api/v1/units/{code}/results", params(ResultsParams), responses((status = 200, description = "What works: each team of the unit and below, and its sessions grouped by kind, by time of day (daytime, evening, late) and by weekday or weekend — citizens helped per stage, per member, per hour, the share of visits not at home or refused; `teams results --format json`. Figures only, no person", body = phuxanh_report::field::Results)))]
pub(crate) async fn results_api(
    State(s): State<Arc<AppState>>,
    caller: Caller,
    path: Path1,
    RawQuery(raw): RawQuery,
) -> Reply {
    let code = checked_code(path)?;
    let q = Checked::parse(raw.as_deref(), ResultsParams::SLOTS)?;
    let day = |name: &str| {
        q.get(name)
            .map(|v| v.parse::<Day>())
            .transpose()
            .map_err(|e| ApiError::invalid(name.to_string(), e))
    };
    let (from, to) = (day("from")?, day("to")?);
    let scope = caller.scope();
    let results = read(&s, move |store| {
        Ok(phuxanh_report::field::results(
            store, &scope, &code, from, to,
        )?)
    })
    .await?;
    Ok(axum::Json(results).into_response())
}

#[utoipa::path(get, path = "/api/v1/units/{code}/health", params(HealthParams), responses((status = 200, description = "Field health for managers: each phone's last sync, its clock and the entries it still held; each team's latest session and sync, quiet when it had no session in `quiet_days`; the communes with people still to see and no team covering them; `teams health --format json`", body = phuxanh_report::field::Health)))]
pub(crate) async fn health_api(
    State(s): State<Arc<AppState>>,
    caller: Caller,
    path: Path1,
    RawQuery(raw): RawQuery,
) -> Reply {
    let code = checked_code(path)?;
    let q = Checked::parse(raw.as_deref(), HealthParams::SLOTS)?;
    let as_of = match q.get("as_of") {
        Some(v) => v
            .parse::<Day>()
            .map_err(|e| ApiError::invalid("as_of", e))?,
        None => Day::today(),
    };
    // A checked count parses.
    let quiet = q
        .get("quiet_days")
        .and_then(|v| v.parse::<u32>().ok())
        .unwrap_or(7);
    let scope = caller.scope();
    let health = read(&s, move |store| {
        Ok(phuxanh_report::field::health(
            store, &scope, &code, as_of, quiet,
        )?)
    })
    .await?;
    Ok(axum::Json(health).into_response())
}

#[utoipa::path(get, path = "/api/v1/units/{code}/sessions", params(SessionsParams), responses((status = 200, description = "The sessions held at the unit and under it, by start: team, place, kind, times, daytime/evening/late and weekend; `sessions list --unit U --format json`", body = SessionList)))]
pub(crate) async fn sessions_api(
    State(s): State<Arc<AppState>>,
    caller: Caller,
    path: Path1,
    RawQuery(raw): RawQuery,
) -> Reply {
    let code = checked_code(path)?;
    let q = Checked::parse(raw.as_deref(), SessionsParams::SLOTS)?;
    let day = |name: &str| q.get(name).map(|v| v.parse::<Day>()).transpose();
    let query = SessionQuery {
        unit: Some(code),
        team: q
            .get("team")
            .map(|t| t.parse::<FieldCode>())
            .transpose()
            .map_err(|e| ApiError::invalid("team", e))?,
        from: day("from").map_err(|e| ApiError::invalid("from", e))?,
        to: day("to").map_err(|e| ApiError::invalid("to", e))?,
    };
    let scope = caller.scope();
    let list = read(&s, move |store| {
        Ok(phuxanh_report::field::sessions(store, &scope, &query)?)
    })
    .await?;
    Ok(axum::Json(list).into_response())
}

/// What a list was asked for, checked.
struct Asked {
    unit: UnitCode,
    kind: WorklistKind,
    as_of: Day,
    team: Option<FieldCode>,
}

/// The team a caller's lists are limited to: a team member's own team
/// (asking for another is refused), or the one asked for.
fn team_for(caller: &Caller, asked: Option<FieldCode>) -> Result<Option<FieldCode>, ApiError> {
    let own = match (caller.role(), &caller.user.team) {
        (Role::Team, Some(t)) => t.parse::<FieldCode>().ok(),
        _ => None,
    };
    match (own, asked) {
        (Some(own), Some(asked)) if own != asked => Err(ApiError::forbidden(format!(
            "your lists are those of your team, {own}"
        ))),
        (Some(own), _) => Ok(Some(own)),
        (None, asked) => Ok(asked),
    }
}

fn asked(caller: &Caller, unit: UnitCode, q: &HashMap<String, String>) -> Result<Asked, ApiError> {
    let get = |name: &str| q.get(name).map(String::as_str).filter(|v| !v.is_empty());
    let kind = get("kind")
        .unwrap_or("not-applied")
        .parse::<WorklistKind>()
        .map_err(|e| ApiError::invalid("kind", e))?;
    let as_of = match get("as_of") {
        Some(v) => {
            Rule::Day
                .check(v)
                .map_err(|e| ApiError::invalid("as_of", e))?;
            v.parse::<Day>()
                .map_err(|e| ApiError::invalid("as_of", e))?
        }
        None => Day::today(),
    };
    let team = get("team")
        .map(|t| t.parse::<FieldCode>())
        .transpose()
        .map_err(|e| ApiError::invalid("team", e))?;
    Ok(Asked {
        unit,
        kind,
        as_of,
        team: team_for(caller, team)?,
    })
}

/// The list as the caller may see it: ID numbers masked unless the role
/// needs them whole. Not yet disclosed.
async fn list_for(s: &Arc<AppState>, caller: &Caller, a: &Asked) -> Result<Worklist, ApiError> {
    let scope = caller.scope();
    let (unit, kind, team, as_of) = (a.unit.clone(), a.kind, a.team.clone(), a.as_of);
    let list = read(s, move |store| {
        Ok(phuxanh_report::field::worklist(
            store,
            &scope,
            &unit,
            kind,
            team.as_ref(),
            as_of,
        )?)
    })
    .await?;
    Ok(if caller.role().sees_full_ids() {
        list
    } else {
        list.masked()
    })
}

/// The list asked for, as the caller may see it, disclosed (audited and
/// counted against the daily cap) as `how`.
async fn disclosed(
    s: &Arc<AppState>,
    caller: &Caller,
    unit: UnitCode,
    q: &HashMap<String, String>,
    how: Use,
) -> Result<(Asked, Worklist), ApiError> {
    let a = asked(caller, unit, q)?;
    let list = list_for(s, caller, &a).await?;
    disclose(
        s,
        Disclosure {
            caller,
            how,
            list: "worklist",
            unit: Some(&a.unit),
            count: list.listed as usize,
        },
    )
    .await?;
    Ok((a, list))
}

#[utoipa::path(get, path = "/api/v1/units/{code}/worklist", params(WorklistParams), responses((status = 200, description = "The door-to-door list of the unit: the eligible citizens in the state `kind` names, by village and household (households by address, the eldest first), with age, stage, since when, phone; households done (green). `worklist --format json`. It names citizens: never cached, audited with the number of people, ID numbers masked (`083******789`) for team members, and past the caller's daily limit of personal records 429", body = Worklist), (status = 403, description = "Outside the caller's units or role, or another team's list asked by a team member", body = crate::error::ErrorBody), (status = 429, description = "The caller has seen their daily limit of personal records; administrators have been alerted", body = crate::error::ErrorBody)))]
pub(crate) async fn worklist_api(
    State(s): State<Arc<AppState>>,
    caller: Caller,
    path: Path1,
    RawQuery(raw): RawQuery,
) -> Reply {
    let code = checked_code(path)?;
    let q = Checked::parse(raw.as_deref(), WorklistParams::SLOTS)?;
    let map: HashMap<String, String> = ["kind", "as_of", "team"]
        .into_iter()
        .filter_map(|k| q.get(k).map(|v| (k.to_string(), v.to_string())))
        .collect();
    let (_, list) = disclosed(&s, &caller, code, &map, Use::View).await?;
    Ok(axum::Json(list).into_response())
}

/// The unit's ancestors and itself, for the breadcrumbs.
fn crumbs(store: &dyn Store, caller: &Caller, code: &UnitCode) -> Result<Vec<Crumb>, ApiError> {
    let scope = caller.scope();
    let mut out = crate::pages::crumbs(store, &scope, code)?;
    let unit = store.unit(&scope, code)?;
    out.push(Crumb {
        code: unit.code.to_string(),
        name: unit.name,
        link: true,
    });
    Ok(out)
}

/// The pages' own words: key, Vietnamese, English.
const WORDS: &[(&str, &str, &str)] = &[
    ("teams", "Tổ công tác", "Field teams"),
    (
        "no_teams",
        "Đơn vị chưa có tổ công tác nào (`phuxanh teams import`).",
        "The unit has no field team yet (`phuxanh teams import`).",
    ),
    ("team", "Tổ", "Team"),
    ("home", "Đơn vị", "Unit"),
    ("covers", "Địa bàn phụ trách", "Covers"),
    ("leader", "Tổ trưởng", "Leader"),
    ("members", "Thành viên", "Members"),
    ("forces", "Lực lượng", "Forces"),
    ("sessions", "Buổi thu nhận lưu động", "Sessions"),
    ("session_count", "Số buổi", "Sessions"),
    ("last", "Buổi gần nhất", "Latest"),
    ("no_sessions", "Chưa có buổi nào.", "No session yet."),
    ("place", "Địa điểm", "Place"),
    ("kind", "Hình thức", "Kind"),
    ("start", "Bắt đầu", "Start"),
    ("end", "Kết thúc", "End"),
    ("slot", "Khung giờ", "Time"),
    ("weekend", "Cuối tuần", "Weekend"),
    ("worklist", "Danh sách rà soát", "Door-to-door list"),
    ("list", "Danh sách", "List"),
    ("list_day", "Đến hết ngày", "At the end of"),
    ("all_teams", "Mọi địa bàn", "Every unit"),
    ("show", "Xem", "Show"),
    ("people", "người", "people"),
    ("of_eligible", "trong số", "of"),
    ("eligible", "công dân đủ điều kiện", "eligible citizens"),
    ("households_done", "hộ đã xong", "households done"),
    ("household", "Hộ", "Household"),
    ("address", "Địa chỉ", "Address"),
    ("name", "Họ và tên", "Name"),
    ("id", "Số định danh", "ID number"),
    ("age", "Tuổi", "Age"),
    ("stage", "Đang ở bước", "Stuck at"),
    ("since", "Từ ngày", "Since"),
    ("days", "ngày", "days"),
    ("phone", "Điện thoại", "Phone"),
    ("met", "Đã gặp", "Met"),
    ("last_visit", "Lần trước", "Last time"),
    (
        "revisit",
        "Không có nhà: hẹn buổi tối hoặc cuối tuần",
        "Nobody at home: an evening or a weekend",
    ),
    (
        "nobody",
        "Không còn ai trong danh sách này: mọi hộ đã xong.",
        "Nobody is on this list: every household is done.",
    ),
    ("download", "Tải danh sách", "Download the list"),
    (
        "download_note",
        "(ghi nhật ký; tệp ghi tên người tải và thời điểm)",
        "(logged; the file names who downloaded it and when)",
    ),
    (
        "print",
        "In danh sách (mỗi thôn một trang)",
        "Print (one village a page)",
    ),
    ("open_list", "Danh sách rà soát", "Door-to-door lists"),
    ("health", "Tình hình các tổ", "Field health"),
    ("phones", "Điện thoại của tổ viên", "Members' phones"),
    ("last_sync", "Đồng bộ gần nhất", "Last sync"),
    ("on_phone", "Còn trên máy", "Still on the phone"),
    ("clock_off", "Đồng hồ lệch", "Clock off by"),
    (
        "no_phones",
        "Chưa có điện thoại nào đồng bộ.",
        "No phone has synced yet.",
    ),
    (
        "quiet",
        "Tổ không có buổi nào trong 7 ngày",
        "Teams with no session in 7 days",
    ),
    ("never", "chưa có buổi nào", "no session yet"),
    ("days_ago", "ngày trước", "days ago"),
    (
        "uncovered",
        "Xã còn người cần đến mà chưa có tổ phụ trách",
        "Communes with people to see and no team",
    ),
    ("not_applied", "chưa thu nhận", "not applied"),
    ("not_activated_short", "chưa kích hoạt", "not activated"),
    ("works", "Cách làm hiệu quả", "What works"),
    (
        "works_intro",
        "Số công dân được hỗ trợ theo sự kiện ghi tên buổi hoặc tổ; mỗi giờ tính trên thời lượng các buổi. Để nhân rộng cách làm hiệu quả.",
        "Citizens helped, from the events that name the session or the team; per hour over the sessions' length. To copy what works.",
    ),
    ("by_kind", "Theo hình thức", "By kind of session"),
    ("by_slot", "Theo khung giờ", "By time of day"),
    (
        "by_day",
        "Ngày thường và cuối tuần",
        "Weekdays and weekends",
    ),
    ("hours", "Số giờ", "Hours"),
    ("collected", "Thu nhận", "Applied"),
    ("activated", "Kích hoạt", "Activated"),
    ("used", "Sử dụng", "Used"),
    ("per_hour", "Công dân mỗi giờ", "Citizens an hour"),
    ("per_member", "Mỗi thành viên", "Per member"),
    ("visits", "Lượt đến nhà", "Visits"),
    ("not_home", "Không có nhà", "Not at home"),
    ("refused", "Từ chối", "Refused"),
    (
        "no_smartphone",
        "Không có điện thoại thông minh",
        "No smartphone",
    ),
];

/// The page's frame: language, crumbs, the words, the link to the other
/// language (the page's own form carries the day).
fn frame(
    lang: Lang,
    title: &str,
    crumbs: Vec<Crumb>,
    when: &When,
    href: &str,
    rest: minijinja::Value,
) -> Response {
    let w: HashMap<&str, &str> = WORDS
        .iter()
        .map(|&(k, v, e)| (k, lang.pick(v, e)))
        .collect();
    let sep = if href.contains('?') { '&' } else { '?' };
    render(
        "field.html",
        context! {
            lang => lang.code(),
            other_lang => lang.other().code(),
            page_name => title,
            t => lang.words(),
            w => w,
            crumbs => crumbs,
            as_of => when.day.to_string(),
            map_params => Vec::<(String, String)>::new(),
            dated => None::<()>,
            lang_href => format!("{href}{sep}lang={}", lang.other().code()),
            ..rest
        },
    )
}

async fn teams_page(
    State(s): State<Arc<AppState>>,
    caller: Caller,
    Path(code): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let lang = Lang::from_query(&q);
    let code = match unit_code(&code) {
        Ok(c) => c,
        Err(e) => return error_page_in(lang, e),
    };
    let scope = caller.scope();
    let read = read(&s, move |store| {
        let teams = phuxanh_report::field::teams(store, &scope, Some(&code))?;
        let sessions = phuxanh_report::field::sessions(
            store,
            &scope,
            &SessionQuery {
                unit: Some(code.clone()),
                ..SessionQuery::default()
            },
        )?;
        let results = phuxanh_report::field::results(store, &scope, &code, None, None)?;
        let when = When::read(store, &scope, None)?;
        // Field health is the managers'.
        let health = if caller.role().manages() {
            Some(phuxanh_report::field::health(
                store,
                &scope,
                &code,
                Day::today(),
                7,
            )?)
        } else {
            None
        };
        Ok((
            crumbs(store, &caller, &code)?,
            teams,
            sessions,
            results,
            health,
            when,
        ))
    })
    .await;
    let (crumbs, teams, sessions, results, health, when) = match read {
        Ok(x) => x,
        Err(e) => return error_page_in(lang, e),
    };
    let title = lang.pick("Tổ công tác", "Field teams");
    let teams: Vec<_> = teams
        .teams
        .iter()
        .map(|t| {
            let forces: Vec<String> = t
                .members
                .iter()
                .map(|(f, n)| {
                    let force = f.parse::<phuxanh_domain::field::Force>();
                    format!(
                        "{} {n}",
                        force.map_or(f.as_str(), |f| lang.pick(f.vietnamese(), f.as_str()))
                    )
                })
                .collect();
            context! {
                code => t.code.clone(),
                name => t.name.clone(),
                unit_name => t.unit_name.clone(),
                covers => t.covers.join(", "),
                leader => t.leader.clone().unwrap_or_default(),
                leader_phone => t.leader_phone.clone().unwrap_or_default(),
                members => lang.number(i64::from(t.member_count)),
                forces => forces.join(", "),
                sessions => lang.number(t.sessions as i64),
                last => t.last_session.as_deref()
                    .and_then(|x| Instant::parse_file(x).ok())
                    .map(|i| format!("{} {}", lang.date(i.day()), i.clock()))
                    .unwrap_or_default(),
            }
        })
        .collect();
    // The latest sessions first, at most 200.
    let shown: Vec<_> = sessions
        .sessions
        .iter()
        .rev()
        .take(200)
        .map(|s| {
            let at = |x: &str| {
                Instant::parse_file(x).map_or(x.to_string(), |i| {
                    format!("{} {}", lang.date(i.day()), i.clock())
                })
            };
            context! {
                code => s.code.clone(),
                team => s.team.clone(),
                unit_name => s.unit_name.clone(),
                place => s.place.clone(),
                kind => s.kind.parse::<phuxanh_domain::field::SessionKind>()
                    .map_or(s.kind.clone(), |k| lang.pick(k.vietnamese(), k.as_str()).to_string()),
                start => at(&s.start),
                end => at(&s.end),
                slot => phuxanh_domain::field::Slot::ALL.into_iter().find(|x| x.as_str() == s.slot)
                    .map_or(s.slot.clone(), |x| lang.pick(x.vietnamese(), x.as_str()).to_string()),
                weekend => s.weekend,
            }
        })
        .collect();
    let href = format!(
        "/units/{}/teams",
        crumbs.last().map_or("", |c| c.code.as_str())
    );
    frame(
        lang,
        title,
        crumbs,
        &when,
        &href,
        context! {
            view => "teams",
            teams => teams,
            sessions => shown,
            session_count => lang.number(sessions.sessions.len() as i64),
            results => results_view(&results, lang),
            health => health.map(|h| {
                let when = |t: &str| Instant::parse_file(t).map_or(t.to_string(), |i| format!("{} {}", lang.date(i.day()), i.clock()));
                context! {
                    phones => h.phones.iter().map(|p| context! {
                        user => p.user.clone(), team => p.team.clone().unwrap_or_default(),
                        last_sync => when(&p.last_sync), pending => p.pending,
                        clock => (p.skew_seconds.abs() > phuxanh_domain::field::CLOCK_SKEW_SECS)
                            .then(|| format!("{} {}", p.skew_seconds / 60, lang.pick("phút", "min"))),
                    }).collect::<Vec<_>>(),
                    quiet => h.teams.iter().filter(|t| t.quiet).map(|t| context! {
                        code => t.code.clone(), name => t.name.clone(),
                        days => t.days_since_session,
                    }).collect::<Vec<_>>(),
                    uncovered => h.uncovered.iter().map(|u| context! {
                        code => u.code.clone(), name => u.name.clone(),
                        not_applied => lang.number(u.not_applied), not_activated => lang.number(u.not_activated),
                    }).collect::<Vec<_>>(),
                }
            }),
        },
    )
}

async fn worklist_page(
    State(s): State<Arc<AppState>>,
    caller: Caller,
    Path(code): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let lang = Lang::from_query(&q);
    match worklist_shown(&s, &caller, &code, &q, lang).await {
        Ok(page) => page,
        Err(e) => error_page_in(lang, e),
    }
}

async fn worklist_shown(
    s: &Arc<AppState>,
    caller: &Caller,
    code: &str,
    q: &HashMap<String, String>,
    lang: Lang,
) -> Result<Response, ApiError> {
    let (a, list) = disclosed(s, caller, unit_code(code)?, q, Use::View).await?;
    let scope = caller.scope();
    let (unit, caller2) = (a.unit.clone(), caller.clone());
    let (crumbs, teams, when) = read(s, move |store| {
        let teams = phuxanh_report::field::teams(store, &scope, Some(&unit))?;
        Ok((
            crumbs(store, &caller2, &unit)?,
            teams,
            When::read(store, &scope, None)?,
        ))
    })
    .await?;
    let own_team = team_for(caller, None)?;
    let kinds: Vec<_> = WorklistKind::ALL
        .into_iter()
        .map(|k| {
            context! {
                value => k.as_str(),
                name => lang.pick(k.vietnamese(), k.as_str()),
                selected => k == a.kind,
            }
        })
        .collect();
    let places: Vec<_> = list
        .places
        .iter()
        .filter(|p| !p.list.is_empty())
        .map(|p| {
            let households: Vec<_> = p
                .list
                .iter()
                .map(|h| {
                    let members: Vec<_> = h
                        .members
                        .iter()
                        .map(|m| {
                            context! {
                                id => m.citizen_id.clone(),
                                name => if m.full_name.is_empty() {
                                    lang.pick("(đã xoá theo yêu cầu)", "(erased on request)").to_string()
                                } else {
                                    m.full_name.clone()
                                },
                                age => m.age,
                                stage => stage_words(m.stage.as_deref(), lang),
                                since => m.since.as_deref()
                                    .and_then(|d| d.parse::<Day>().ok())
                                    .map(|d| lang.date(d))
                                    .unwrap_or_default(),
                                days => m.days,
                                phone => m.phone.clone().unwrap_or_default(),
                                last_visit => m.last_visit.as_deref()
                                    .and_then(|o| o.parse::<phuxanh_domain::field::Outcome>().ok())
                                    .map(|o| lang.pick(o.vietnamese(), o.as_str()).to_string()),
                                tel => m.phone.as_deref()
                                    .and_then(|p| phuxanh_domain::Phone::parse(p).ok())
                                    .map(|p| p.tel())
                                    .unwrap_or_default(),
                            }
                        })
                        .collect();
                    context! {
                        household => h.household.clone().unwrap_or_default(),
                        address => h.address.clone().unwrap_or_default(),
                        revisit => h.revisit,
                        members => members,
                    }
                })
                .collect();
            context! {
                code => p.code.clone(),
                name => p.name.clone(),
                listed => lang.number(p.listed as i64),
                green => lang.number(p.green as i64),
                households_total => lang.number(p.households as i64),
                households => households,
            }
        })
        .collect();
    let filter = format!(
        "kind={}&as_of={}{}",
        a.kind,
        a.as_of,
        a.team
            .as_ref()
            .map_or(String::new(), |t| format!("&team={t}"))
    );
    let href = format!("/units/{}/worklist?{filter}", a.unit);
    Ok(frame(
        lang,
        lang.pick("Danh sách rà soát", "Door-to-door list"),
        crumbs,
        &when,
        &href,
        context! {
            view => "worklist",
            unit => a.unit.to_string(),
            kinds => kinds,
            kind_name => lang.pick(a.kind.vietnamese(), a.kind.as_str()),
            list_day => a.as_of.to_string(),
            list_date => lang.date(a.as_of),
            team => a.team.as_ref().map(ToString::to_string).unwrap_or_default(),
            team_fixed => own_team.is_some(),
            teams => teams.teams.iter().map(|t| context! { code => t.code.clone(), name => t.name.clone() }).collect::<Vec<_>>(),
            listed => lang.number(list.listed as i64),
            eligible => lang.number(list.eligible as i64),
            green => lang.number(list.green as i64),
            households => lang.number(list.households as i64),
            places => places,
            exports => caller.role().exports_persons() && list.listed > 0,
            filter => filter,
        },
    ))
}

fn stage_words(stage: Option<&str>, lang: Lang) -> &'static str {
    match stage {
        Some("collected") => lang.pick("Đã thu nhận", "Applied"),
        Some("approved") => lang.pick("Đã phê duyệt", "Approved"),
        Some("rejected") => lang.pick("Bị từ chối", "Refused"),
        Some("activated") => lang.pick("Đã kích hoạt", "Activated"),
        Some("used") => lang.pick("Đã sử dụng", "Used"),
        _ => lang.pick("Chưa có hồ sơ", "No application"),
    }
}

async fn worklist_file(
    State(s): State<Arc<AppState>>,
    caller: Caller,
    Path(code): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    file: File,
) -> Response {
    let lang = Lang::from_query(&q);
    match worklist_exported(&s, &caller, &code, &q, file).await {
        Ok(r) => r,
        Err(e) => error_page_in(lang, e),
    }
}

async fn worklist_exported(
    s: &Arc<AppState>,
    caller: &Caller,
    code: &str,
    q: &HashMap<String, String>,
    file: File,
) -> Result<Response, ApiError> {
    let (a, list) = disclosed(s, caller, unit_code(code)?, q, Use::Export).await?;
    let name = format!("ra-soat-{}-{}-{}", a.unit, a.kind, a.as_of);
    let mark = crate::personal::watermark(caller, Instant::now());
    crate::personal::attachment(list.sheet(), list.sheet(), mark, file, &name).await
}

/// "What works" for the teams page: each group with its figures in words
/// and a bar as wide as its citizens helped per hour, against the best.
fn results_view(r: &phuxanh_report::field::Results, lang: Lang) -> minijinja::Value {
    use phuxanh_report::field::Rates;
    let pct = |p: Option<phuxanh_domain::Percent>| {
        p.map(|p| lang.percent(p)).unwrap_or_else(|| "–".into())
    };
    let dec = |x: Option<f64>| x.map(|x| lang.decimal(x)).unwrap_or_else(|| "–".into());
    let row = |name: &str, r: &Rates, best: f64| {
        context! {
            name => name,
            sessions => lang.number(r.sessions as i64),
            hours => lang.decimal(r.hours),
            collected => lang.number(r.collected as i64),
            activated => lang.number(r.activated as i64),
            used => lang.number(r.used as i64),
            helped => lang.number(r.helped as i64),
            per_hour => dec(r.per_hour),
            width => r.per_hour.map_or(0.0, |x| if best > 0.0 { (x / best * 100.0).round() } else { 0.0 }),
            visits => lang.number(r.visits as i64),
            not_home => pct(r.not_home_pct),
            refused => pct(r.refused_pct),
            no_smartphone => lang.number(r.no_smartphone as i64),
        }
    };
    let groups = |gs: &[phuxanh_report::field::Group]| {
        let best = gs
            .iter()
            .filter_map(|g| g.rates.per_hour)
            .fold(0.0, f64::max);
        gs.iter()
            .map(|g| {
                let name = match lang {
                    Lang::Vi => g.name.clone(),
                    _ => g.key.replace('-', " "),
                };
                row(&name, &g.rates, best)
            })
            .collect::<Vec<_>>()
    };
    let best = r
        .teams
        .iter()
        .filter_map(|t| t.rates.per_hour)
        .fold(0.0, f64::max);
    context! {
        any => r.sessions.sessions > 0 || r.teams.iter().any(|t| t.rates.helped > 0),
        teams => r.teams.iter().map(|t| {
            let mut v = row(&format!("{} — {}", t.code, t.name), &t.rates, best);
            v = context! { per_member => dec(t.per_member), members => t.members, ..v };
            v
        }).collect::<Vec<_>>(),
        by_kind => groups(&r.by_kind),
        by_slot => groups(&r.by_slot),
        by_day => groups(&r.by_day),
    }
}
