//! Field operations as reports: the teams (`teams list`), their sessions
//! (`sessions list`) and the door-to-door lists (`worklist`, `GET
//! /api/v1/units/{code}/worklist`), the same structures for the command
//! line's JSON and the API's.

use std::collections::{BTreeMap, HashMap};

use phuxanh_domain::field::{FieldCode, Outcome, WorklistKind};
use phuxanh_domain::{CitizenId, Day, Metric, Percent, UnitCode};
use phuxanh_store::{ResidentsQuery, Result, Scope, SessionQuery, Store};
use serde::Serialize;

use crate::progress::UnitRef;
use crate::render::{Cell, Report, Sheet, columns};
use crate::vi;

/// A team as listed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct TeamView {
    pub code: String,
    pub name: String,
    /// The home unit's code and name.
    pub unit: String,
    pub unit_name: String,
    /// The units it covers.
    pub covers: Vec<String>,
    pub leader: Option<String>,
    pub leader_phone: Option<String>,
    pub deputy: Option<String>,
    /// Members by force (`police`, `youth_union`, …), those with none left out.
    pub members: BTreeMap<String, u32>,
    pub member_count: u32,
    /// Users who belong to the team.
    pub users: Vec<String>,
    pub sessions: u64,
    /// When its latest session started (RFC 3339).
    pub last_session: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct TeamList {
    /// The unit whose teams these are; none for every team.
    pub unit: Option<String>,
    pub teams: Vec<TeamView>,
}

/// The teams of `unit` and the units under it (every team in scope when
/// `None`).
pub fn teams(store: &dyn Store, scope: &Scope, unit: Option<&UnitCode>) -> Result<TeamList> {
    let teams = store
        .teams(scope, unit)?
        .into_iter()
        .map(|r| TeamView {
            code: r.team.code.to_string(),
            name: r.team.name.clone(),
            unit: r.team.unit.to_string(),
            unit_name: r.unit_name.clone(),
            covers: r.team.covered().iter().map(ToString::to_string).collect(),
            leader: r.team.leader.clone(),
            leader_phone: r.team.leader_phone.as_ref().map(ToString::to_string),
            deputy: r.team.deputy.clone(),
            members: r
                .team
                .members
                .iter()
                .map(|(f, n)| (f.as_str().to_string(), *n))
                .collect(),
            member_count: r.team.member_count(),
            users: r.users.clone(),
            sessions: r.sessions,
            last_session: r.last_session.map(|t| t.to_rfc3339()),
        })
        .collect();
    Ok(TeamList {
        unit: unit.map(ToString::to_string),
        teams,
    })
}

impl Report for TeamList {
    fn sheet(&self) -> Sheet {
        let rows = self
            .teams
            .iter()
            .map(|t| {
                let text = |s: &Option<String>| s.clone().map_or(Cell::Empty, Cell::Text);
                let members = t
                    .members
                    .iter()
                    .map(|(f, n)| {
                        let force = f.parse::<phuxanh_domain::field::Force>();
                        format!("{} {n}", force.map_or(f.as_str(), |f| f.vietnamese()))
                    })
                    .collect::<Vec<_>>()
                    .join(", ");
                vec![
                    Cell::Text(t.code.clone()),
                    Cell::Text(t.name.clone()),
                    Cell::Text(t.unit.clone()),
                    Cell::Text(t.unit_name.clone()),
                    Cell::Text(t.covers.join(" ")),
                    text(&t.leader),
                    text(&t.leader_phone),
                    Cell::Int(i64::from(t.member_count)),
                    Cell::Text(members),
                    Cell::Text(t.users.join(" ")),
                    Cell::Int(t.sessions as i64),
                ]
            })
            .collect();
        Sheet {
            title: format!(
                "Tổ công tác{}: {}",
                self.unit
                    .as_ref()
                    .map_or(String::new(), |u| format!(" của đơn vị {u}")),
                vi::number(self.teams.len() as i64)
            ),
            columns: columns(&[
                ("team_id", "Mã tổ"),
                ("name", "Tên tổ"),
                ("unit", "Mã đơn vị"),
                ("unit_name", "Đơn vị"),
                ("covers", "Địa bàn phụ trách"),
                ("leader", "Tổ trưởng"),
                ("leader_phone", "Điện thoại"),
                ("members", "Số thành viên"),
                ("forces", "Lực lượng"),
                ("users", "Tài khoản"),
                ("sessions", "Số buổi"),
            ]),
            rows,
        }
    }
}

/// A session as listed.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SessionView {
    pub code: String,
    pub team: String,
    pub unit: String,
    pub unit_name: String,
    pub place: String,
    /// `door-to-door`, `office`, `school`, `workplace` or `market`.
    pub kind: String,
    /// RFC 3339, Vietnam time.
    pub start: String,
    pub end: String,
    /// `daytime`, `evening` (past 18:00) or `late` (past 22:00).
    pub slot: String,
    pub weekend: bool,
    pub hours: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SessionList {
    pub sessions: Vec<SessionView>,
}

pub fn sessions(store: &dyn Store, scope: &Scope, query: &SessionQuery) -> Result<SessionList> {
    let sessions = store
        .sessions(scope, query)?
        .into_iter()
        .map(|r| {
            let s = r.session;
            SessionView {
                code: s.code.to_string(),
                team: s.team.to_string(),
                unit: s.unit.to_string(),
                unit_name: r.unit_name,
                place: s.place,
                kind: s.kind.as_str().to_string(),
                start: s.times.start.to_rfc3339(),
                end: s.times.end.to_rfc3339(),
                slot: s.times.slot().as_str().to_string(),
                weekend: s.times.weekend(),
                hours: s.times.hours(),
            }
        })
        .collect();
    Ok(SessionList { sessions })
}

impl Report for SessionList {
    fn sheet(&self) -> Sheet {
        let rows = self
            .sessions
            .iter()
            .map(|s| {
                let kind = s
                    .kind
                    .parse::<phuxanh_domain::field::SessionKind>()
                    .map_or(s.kind.clone(), |k| k.vietnamese().to_string());
                let slot = phuxanh_domain::field::Slot::ALL
                    .into_iter()
                    .find(|x| x.as_str() == s.slot)
                    .map_or(s.slot.clone(), |x| x.vietnamese().to_string());
                let when = |t: &str| {
                    phuxanh_domain::Instant::parse_file(t).map_or(t.to_string(), |i| {
                        format!("{} {}", vi::date(i.day()), i.clock())
                    })
                };
                vec![
                    Cell::Text(s.code.clone()),
                    Cell::Text(s.team.clone()),
                    Cell::Text(s.unit_name.clone()),
                    Cell::Text(s.place.clone()),
                    Cell::Text(kind),
                    Cell::Text(when(&s.start)),
                    Cell::Text(when(&s.end)),
                    Cell::Text(slot),
                    Cell::Text(
                        if s.weekend {
                            "Cuối tuần"
                        } else {
                            "Ngày thường"
                        }
                        .into(),
                    ),
                    Cell::Decimal(s.hours),
                ]
            })
            .collect();
        Sheet {
            title: format!(
                "Buổi thu nhận lưu động: {}",
                vi::number(self.sessions.len() as i64)
            ),
            columns: columns(&[
                ("session_id", "Mã buổi"),
                ("team_id", "Tổ"),
                ("unit", "Đơn vị"),
                ("place", "Địa điểm"),
                ("kind", "Hình thức"),
                ("start", "Bắt đầu"),
                ("end", "Kết thúc"),
                ("slot", "Khung giờ"),
                ("weekend", "Ngày"),
                ("hours", "Số giờ"),
            ]),
            rows,
        }
    }
}

/// A citizen on a door-to-door list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Person {
    /// The 12-digit ID, or masked (`083******789`) for roles that do not
    /// need it whole.
    pub citizen_id: String,
    /// A reference to the citizen that says nothing of who they are (their
    /// roster row): what the field page records them by.
    #[serde(rename = "ref")]
    pub reference: i64,
    /// Empty when erased on request.
    pub full_name: String,
    /// Whole years at the end of the list's day.
    pub age: i32,
    /// `M` or `F`.
    pub sex: String,
    /// The furthest stage reached (`collected`, `approved`, `rejected`,
    /// `activated`); none without any event.
    pub stage: Option<String>,
    /// Since when (the stage's first day).
    pub since: Option<String>,
    /// Days from then to the list's day.
    pub days: Option<i32>,
    /// Only for the roles that may see it.
    pub phone: Option<String>,
    /// The last visit's outcome (`not-home`, `refused`, `no-smartphone`…)
    /// and when (RFC 3339), up to the list's day.
    pub last_visit: Option<String>,
    pub last_visit_at: Option<String>,
}

/// A household on a list: its eligible members who are on it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Household {
    /// The roster's household id; none for a citizen recorded without one.
    pub household: Option<String>,
    /// Only for the roles that may see it.
    pub address: Option<String>,
    /// Eligible members, on the list or not.
    pub eligible: u64,
    /// Nobody was at home at the last visit: for the next evening or
    /// weekend session.
    pub revisit: bool,
    pub members: Vec<Person>,
}

/// A village (or the commune itself, for those recorded directly in it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Place {
    pub code: String,
    pub name: String,
    pub listed: u64,
    /// Households with an eligible member, and those with none on the list.
    pub households: u64,
    pub green: u64,
    /// Households on the list nobody was at home in at the last visit.
    pub revisit: u64,
    /// The households with someone on the list, by address.
    pub list: Vec<Household>,
}

/// A door-to-door list (rà soát).
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Worklist {
    pub unit: UnitRef,
    /// `not-applied`, `not-approved`, `rejected`, `not-activated`, `not-used` or `not-level-2`.
    pub kind: String,
    pub kind_name: String,
    pub as_of: String,
    /// The team whose units it is limited to.
    pub team: Option<String>,
    /// Eligible citizens considered.
    pub eligible: u64,
    /// Of them, on the list.
    pub listed: u64,
    /// Households with an eligible member, and the "green" ones: none of
    /// their eligible members is on the list.
    pub households: u64,
    pub green: u64,
    /// By village code.
    pub places: Vec<Place>,
}

/// A household on a list: the roster's id, or a citizen recorded without
/// one, alone.
#[derive(PartialEq, Eq, Hash)]
enum HouseholdKey<'a> {
    Roster(&'a str),
    Alone(CitizenId),
}

/// A text's natural sort key: runs of digits compare as numbers, the rest
/// as text.
fn natural(text: Option<&str>) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut chars = text.unwrap_or("").chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            let mut n = u64::from(c as u8 - b'0');
            while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                n = n
                    .saturating_mul(10)
                    .saturating_add(u64::from(*d as u8 - b'0'));
                chars.next();
            }
            out.push((std::mem::take(&mut word), n));
        } else {
            word.push(c);
        }
    }
    out.push((word, 0));
    out
}

/// Whole years from `birth` to the end of `on`.
fn age(birth: Day, on: Day) -> i32 {
    let (b, d) = (birth.date(), on.date());
    let mut years = i32::from(d.year()) - i32::from(b.year());
    if (d.month(), d.day()) < (b.month(), b.day()) {
        years -= 1;
    }
    years
}

/// The door-to-door list of `kind` for `unit` (limited to `team`'s units)
/// as of the end of `as_of`: every eligible citizen in that state, grouped
/// by village and household, households by address.
pub fn worklist(
    store: &dyn Store,
    scope: &Scope,
    unit: &UnitCode,
    kind: WorklistKind,
    team: Option<&FieldCode>,
    as_of: Day,
) -> Result<Worklist> {
    let residents = store.residents(
        scope,
        &ResidentsQuery {
            unit: unit.clone(),
            team: team.cloned(),
            as_of,
            list: Some(kind),
        },
    )?;
    let mut places = Vec::with_capacity(residents.places.len());
    let (mut eligible, mut listed, mut households, mut green) = (0, 0, 0, 0);
    // Residents come place by place, in the order of `places`.
    let mut rest = residents.residents.as_slice();
    for place in &residents.places {
        let n = rest.iter().take_while(|r| r.unit == place.code).count();
        let (here, after) = rest.split_at(n);
        rest = after;
        // Households of this place: the roster's id, or the citizen alone.
        let mut by_household: HashMap<HouseholdKey, Household> = HashMap::new();
        for r in here {
            eligible += 1;
            let key = match &r.household {
                Some(h) => HouseholdKey::Roster(h.as_str()),
                None => HouseholdKey::Alone(r.id),
            };
            let h = by_household.entry(key).or_insert_with(|| Household {
                household: r.household.clone(),
                address: None,
                eligible: 0,
                revisit: false,
                members: Vec::new(),
            });
            h.eligible += 1;
            let Some(stuck) = kind.stuck(&r.firsts, r.rejected_last) else {
                continue;
            };
            if h.address.is_none() {
                h.address = r.address.clone();
            }
            h.members.push(Person {
                citizen_id: r.id.to_string(),
                reference: r.row,
                full_name: r.full_name.clone(),
                age: age(r.birth_date, as_of),
                sex: r.sex.as_str().to_string(),
                stage: stuck.map(|(m, _)| stage_name(m).to_string()),
                since: stuck.map(|(_, d)| d.to_string()),
                days: stuck.map(|(_, d)| as_of.days_since(d)),
                phone: r.phone.clone(),
                last_visit: r.last_visit.map(|(o, _)| o.as_str().to_string()),
                last_visit_at: r.last_visit.map(|(_, at)| at.to_rfc3339()),
            });
            if r.last_visit.is_some_and(|(o, _)| o.visit_again()) {
                h.revisit = true;
            }
        }
        let total = by_household.len() as u64;
        let mut list: Vec<Household> = by_household
            .into_values()
            .filter(|h| !h.members.is_empty())
            .collect();
        let done = total - list.len() as u64;
        // The eldest first, who is most often the one at home.
        for h in &mut list {
            h.members.sort_by(|a, b| {
                b.age
                    .cmp(&a.age)
                    .then_with(|| a.citizen_id.cmp(&b.citizen_id))
            });
        }
        // The way a team walks: by address, house numbers as numbers
        // ("Số 2" before "Số 10"), those without one last.
        list.sort_by_cached_key(|h| {
            (
                h.address.is_none(),
                natural(h.address.as_deref()),
                natural(h.household.as_deref()),
            )
        });
        let on_list: u64 = list.iter().map(|h| h.members.len() as u64).sum();
        listed += on_list;
        households += total;
        green += done;
        places.push(Place {
            code: place.code.to_string(),
            name: place.name.clone(),
            listed: on_list,
            households: total,
            green: done,
            revisit: list.iter().filter(|h| h.revisit).count() as u64,
            list,
        });
    }
    places.sort_by(|a, b| a.code.cmp(&b.code));
    Ok(Worklist {
        unit: UnitRef::from(&residents.unit),
        kind: kind.as_str().to_string(),
        kind_name: kind.vietnamese().to_string(),
        as_of: as_of.to_string(),
        team: team.map(ToString::to_string),
        eligible,
        listed,
        households,
        green,
        places,
    })
}

/// The stage a list names, in the JSON's words.
fn stage_name(m: Metric) -> &'static str {
    match m {
        Metric::Collected | Metric::CollectedL2 => "collected",
        Metric::Approved => "approved",
        Metric::Rejected => "rejected",
        Metric::Activated | Metric::ActivatedL2 => "activated",
        Metric::Used => "used",
        Metric::Eligible => "eligible",
    }
}

fn stage_vietnamese(stage: &str) -> &'static str {
    match stage {
        "collected" => "Đã thu nhận",
        "approved" => "Đã phê duyệt",
        "rejected" => "Bị từ chối",
        "activated" => "Đã kích hoạt",
        "used" => "Đã sử dụng",
        _ => "Chưa có hồ sơ",
    }
}

impl Worklist {
    /// ID numbers masked (`083******789`), for the roles that do not need
    /// them whole.
    pub fn masked(mut self) -> Worklist {
        for p in self.people_mut() {
            p.citizen_id = p
                .citizen_id
                .parse::<CitizenId>()
                .map_or_else(|_| "*".repeat(12), |id| id.masked());
        }
        self
    }

    /// Phones and addresses left out, for the roles that may not see them.
    pub fn without_contact_details(mut self) -> Worklist {
        for place in &mut self.places {
            for h in &mut place.list {
                h.address = None;
                for p in &mut h.members {
                    p.phone = None;
                }
            }
        }
        self
    }

    fn people_mut(&mut self) -> impl Iterator<Item = &mut Person> {
        self.places
            .iter_mut()
            .flat_map(|p| p.list.iter_mut())
            .flat_map(|h| h.members.iter_mut())
    }

    /// The title every rendering carries.
    pub fn title(&self) -> String {
        format!(
            "Danh sách rà soát: {} — {}{} — đến hết ngày {}: {} người, {}/{} hộ đã xong",
            self.kind_name,
            self.unit.name,
            self.team
                .as_ref()
                .map_or(String::new(), |t| format!(" (tổ {t})")),
            Day::parse_file(&self.as_of).map_or(self.as_of.clone(), vi::date),
            vi::number(self.listed as i64),
            vi::number(self.green as i64),
            vi::number(self.households as i64),
        )
    }
}

impl Report for Worklist {
    fn sheet(&self) -> Sheet {
        let mut rows = Vec::with_capacity(self.listed as usize);
        for place in &self.places {
            for h in &place.list {
                for p in &h.members {
                    let text = |s: &Option<String>| s.clone().map_or(Cell::Empty, Cell::Text);
                    rows.push(vec![
                        Cell::Text(place.code.clone()),
                        Cell::Text(place.name.clone()),
                        text(&h.household),
                        text(&h.address),
                        Cell::Text(p.citizen_id.clone()),
                        Cell::Text(if p.full_name.is_empty() {
                            "(đã xoá theo yêu cầu)".into()
                        } else {
                            p.full_name.clone()
                        }),
                        Cell::Int(i64::from(p.age)),
                        Cell::Text(p.sex.clone()),
                        Cell::Text(stage_vietnamese(p.stage.as_deref().unwrap_or("")).into()),
                        p.since
                            .as_deref()
                            .and_then(|d| Day::parse_file(d).ok())
                            .map_or(Cell::Empty, Cell::Date),
                        p.days.map_or(Cell::Empty, |d| Cell::Int(i64::from(d))),
                        text(&p.phone),
                        Cell::Text(
                            p.last_visit
                                .as_deref()
                                .and_then(|o| o.parse::<phuxanh_domain::field::Outcome>().ok())
                                .map_or(String::new(), |o| o.vietnamese().to_string()),
                        ),
                        Cell::Empty,
                    ]);
                }
            }
        }
        Sheet {
            title: self.title(),
            columns: columns(&[
                ("village", "Mã thôn/ấp"),
                ("village_name", "Thôn/ấp"),
                ("household", "Hộ"),
                ("address", "Địa chỉ"),
                ("citizen_id", "Số định danh"),
                ("full_name", "Họ và tên"),
                ("age", "Tuổi"),
                ("sex", "Giới tính"),
                ("stage", "Đang ở bước"),
                ("since", "Từ ngày"),
                ("days", "Số ngày"),
                ("phone", "Điện thoại"),
                ("last_visit", "Lần gặp trước"),
                ("done", "Đã gặp"),
            ]),
            rows,
        }
    }

    fn notes(&self) -> Vec<String> {
        self.places
            .iter()
            .map(|p| {
                format!(
                    "{} ({}): {} người, {}/{} hộ đã xong",
                    p.name,
                    p.code,
                    vi::number(p.listed as i64),
                    vi::number(p.green as i64),
                    vi::number(p.households as i64)
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_sort_the_way_a_team_walks() {
        let mut a = vec![
            "Số 10, Ấp 1",
            "Số 2, Ấp 1",
            "Số 1, Ấp 2",
            "Số 1, Ấp 1",
            "Số 101, Ấp 1",
        ];
        a.sort_by_key(|s| natural(Some(s)));
        assert_eq!(
            a,
            [
                "Số 1, Ấp 1",
                "Số 1, Ấp 2",
                "Số 2, Ấp 1",
                "Số 10, Ấp 1",
                "Số 101, Ấp 1"
            ]
        );
    }

    #[test]
    fn age_counts_whole_years_to_the_end_of_the_day() {
        let d = |s: &str| -> Day { s.parse().unwrap() };
        assert_eq!(age(d("2009-09-30"), d("2023-09-29")), 13);
        assert_eq!(age(d("2009-09-30"), d("2023-09-30")), 14);
        assert_eq!(age(d("2008-02-29"), d("2023-02-28")), 14);
        assert_eq!(age(d("2008-02-29"), d("2023-03-01")), 15);
    }
}

/// A visit as listed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct VisitView {
    pub visit_id: String,
    pub citizen_id: String,
    pub unit: String,
    pub outcome: String,
    /// When it happened, as recorded (RFC 3339).
    pub at: String,
    /// When the server received it.
    pub received_at: String,
    pub team: Option<String>,
    pub session: Option<String>,
    pub recorded_by: String,
    pub note: Option<String>,
    /// Why it does not count: `future`, `outside-session`, `clock`.
    pub flag: Option<String>,
    /// When it was taken back.
    pub undone_at: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct VisitList {
    pub visits: Vec<VisitView>,
}

pub fn visits(
    store: &dyn Store,
    scope: &Scope,
    query: &phuxanh_store::VisitQuery,
) -> Result<VisitList> {
    let visits = store
        .visits(scope, query)?
        .into_iter()
        .map(|r| VisitView {
            visit_id: r.visit.id.to_string(),
            citizen_id: r.visit.citizen.to_string(),
            unit: r.unit.to_string(),
            outcome: r.visit.outcome.as_str().to_string(),
            at: r.visit.at.to_rfc3339(),
            received_at: r.received_at.to_rfc3339(),
            team: r.visit.team.as_ref().map(ToString::to_string),
            session: r.visit.session.as_ref().map(ToString::to_string),
            recorded_by: r.recorded_by,
            note: r.visit.note,
            flag: r.flag.map(|f| f.as_str().to_string()),
            undone_at: r.undone_at.map(|t| t.to_rfc3339()),
        })
        .collect();
    Ok(VisitList { visits })
}

impl VisitList {
    /// ID numbers masked, for the roles that do not need them whole.
    pub fn masked(mut self) -> VisitList {
        for v in &mut self.visits {
            v.citizen_id = v
                .citizen_id
                .parse::<CitizenId>()
                .map_or_else(|_| "*".repeat(12), |id| id.masked());
        }
        self
    }
}

impl Report for VisitList {
    fn sheet(&self) -> Sheet {
        let when = |t: &str| {
            phuxanh_domain::Instant::parse_file(t).map_or(t.to_string(), |i| {
                format!("{} {}", vi::date(i.day()), i.clock())
            })
        };
        let rows = self
            .visits
            .iter()
            .map(|v| {
                let text = |s: &Option<String>| s.clone().map_or(Cell::Empty, Cell::Text);
                vec![
                    Cell::Text(v.visit_id.clone()),
                    Cell::Text(v.citizen_id.clone()),
                    Cell::Text(v.unit.clone()),
                    Cell::Text(
                        v.outcome
                            .parse::<phuxanh_domain::field::Outcome>()
                            .map_or(v.outcome.clone(), |o| o.vietnamese().to_string()),
                    ),
                    Cell::Text(when(&v.at)),
                    text(&v.team),
                    text(&v.session),
                    Cell::Text(v.recorded_by.clone()),
                    Cell::Text(match (&v.undone_at, &v.flag) {
                        (Some(_), _) => "đã huỷ".to_string(),
                        (None, Some(f)) => phuxanh_domain::field::VisitFlag::parse(f)
                            .map_or(f.clone(), |f| format!("chưa tính: {}", f.vietnamese())),
                        (None, None) => String::new(),
                    }),
                    text(&v.note),
                ]
            })
            .collect();
        Sheet {
            title: format!(
                "Kết quả đến từng nhà: {} lượt",
                vi::number(self.visits.len() as i64)
            ),
            columns: columns(&[
                ("visit_id", "Mã lượt"),
                ("citizen_id", "Số định danh"),
                ("unit", "Đơn vị"),
                ("outcome", "Kết quả"),
                ("at", "Thời điểm"),
                ("team", "Tổ"),
                ("session", "Buổi"),
                ("recorded_by", "Người ghi"),
                ("state", "Tình trạng"),
                ("note", "Ghi chú"),
            ]),
            rows,
        }
    }
}

/// What a set of sessions (or a team) did, and its rates.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Rates {
    pub sessions: u64,
    pub hours: f64,
    /// Citizens whose application, activation, first use the events of
    /// these sessions (or this team) record; and all of them.
    pub collected: u64,
    pub activated: u64,
    pub used: u64,
    pub helped: u64,
    /// Citizens helped per hour of session; none without sessions.
    pub per_hour: Option<f64>,
    /// Visits recorded (counted ones).
    pub visits: u64,
    /// The share of visits that found nobody at home, and that were
    /// refused, in percent.
    #[schema(value_type = Option<f64>)]
    pub not_home_pct: Option<Percent>,
    #[schema(value_type = Option<f64>)]
    pub refused_pct: Option<Percent>,
    /// Visits that found no smartphone: why activation lags.
    pub no_smartphone: u64,
}

/// Counts added up session by session, before the rates.
#[derive(Default)]
struct Tally {
    sessions: u64,
    hours: f64,
    helped: [u64; 5],
    helped_any: u64,
    visits: u64,
    not_home: u64,
    refused: u64,
    no_smartphone: u64,
}

impl Tally {
    fn add(&mut self, done: &phuxanh_store::Done, sessions: u64, hours: f64) {
        self.sessions += sessions;
        self.hours += hours;
        for (sum, n) in self.helped.iter_mut().zip(done.helped) {
            *sum += n;
        }
        self.helped_any += done.helped_any;
        for &(outcome, n) in &done.visits {
            self.visits += n;
            match outcome {
                Outcome::NotHome => self.not_home += n,
                Outcome::Refused => self.refused += n,
                Outcome::NoSmartphone => self.no_smartphone += n,
                _ => {}
            }
        }
    }

    fn rates(&self) -> Rates {
        let share = |n: u64| Percent::of(n as i64, self.visits as i64);
        Rates {
            sessions: self.sessions,
            hours: (self.hours * 100.0).round() / 100.0,
            collected: self.helped[0],
            activated: self.helped[3],
            used: self.helped[4],
            helped: self.helped_any,
            per_hour: (self.hours > 0.0)
                .then(|| (self.helped_any as f64 / self.hours * 100.0).round() / 100.0),
            visits: self.visits,
            not_home_pct: share(self.not_home),
            refused_pct: share(self.refused),
            no_smartphone: self.no_smartphone,
        }
    }
}

/// A group of sessions: a kind, a time of day, weekday or weekend.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Group {
    /// `door-to-door`, `evening`, `weekend`…
    pub key: String,
    pub name: String,
    #[serde(flatten)]
    pub rates: Rates,
}

/// A team and what it did.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct TeamResult {
    pub code: String,
    pub name: String,
    pub unit_name: String,
    pub members: u32,
    /// Citizens helped per member.
    pub per_member: Option<f64>,
    #[serde(flatten)]
    pub rates: Rates,
}

/// What works (`teams results`): each team, and the sessions grouped by
/// kind, by time of day and by weekday or weekend, with citizens helped
/// per stage, per member, per hour, and how visits ended.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Results {
    pub unit: UnitRef,
    pub from: Option<String>,
    pub to: Option<String>,
    pub teams: Vec<TeamResult>,
    pub by_kind: Vec<Group>,
    pub by_slot: Vec<Group>,
    pub by_day: Vec<Group>,
    /// Every session together.
    pub sessions: Rates,
}

pub fn results(
    store: &dyn Store,
    scope: &Scope,
    unit: &UnitCode,
    from: Option<Day>,
    to: Option<Day>,
) -> Result<Results> {
    use phuxanh_domain::field::{SessionKind, Slot};
    let done = store.field_done(scope, unit, from, to)?;
    let mut per_team: HashMap<String, (u64, f64)> = HashMap::new();
    let mut kinds: BTreeMap<SessionKind, Tally> = BTreeMap::new();
    let mut slots: BTreeMap<Slot, Tally> = BTreeMap::new();
    let mut days: BTreeMap<bool, Tally> = BTreeMap::new();
    let mut all = Tally::default();
    for s in &done.sessions {
        let (hours, slot, weekend) = (
            s.session.times.hours(),
            s.session.times.slot(),
            s.session.times.weekend(),
        );
        let t = per_team.entry(s.session.team.to_string()).or_default();
        t.0 += 1;
        t.1 += hours;
        kinds
            .entry(s.session.kind)
            .or_default()
            .add(&s.done, 1, hours);
        slots.entry(slot).or_default().add(&s.done, 1, hours);
        days.entry(weekend).or_default().add(&s.done, 1, hours);
        all.add(&s.done, 1, hours);
    }
    let teams = done
        .teams
        .iter()
        .map(|t| {
            let (sessions, hours) = per_team
                .get(t.team.code.as_str())
                .copied()
                .unwrap_or_default();
            let mut tally = Tally::default();
            tally.add(&t.done, sessions, hours);
            let members = t.team.member_count();
            TeamResult {
                code: t.team.code.to_string(),
                name: t.team.name.clone(),
                unit_name: t.unit_name.clone(),
                members,
                per_member: (members > 0).then(|| {
                    (t.done.helped_any as f64 / f64::from(members) * 100.0).round() / 100.0
                }),
                rates: tally.rates(),
            }
        })
        .collect();
    let group = |key: &str, name: &str, t: &Tally| Group {
        key: key.to_string(),
        name: name.to_string(),
        rates: t.rates(),
    };
    Ok(Results {
        unit: UnitRef::from(&store.unit(scope, unit)?),
        from: from.map(|d| d.to_string()),
        to: to.map(|d| d.to_string()),
        teams,
        by_kind: kinds
            .iter()
            .map(|(k, t)| group(k.as_str(), k.vietnamese(), t))
            .collect(),
        by_slot: slots
            .iter()
            .map(|(k, t)| group(k.as_str(), k.vietnamese(), t))
            .collect(),
        by_day: days
            .iter()
            .map(|(weekend, t)| {
                if *weekend {
                    group("weekend", "Cuối tuần", t)
                } else {
                    group("weekday", "Ngày thường", t)
                }
            })
            .collect(),
        sessions: all.rates(),
    })
}

impl Report for Results {
    fn sheet(&self) -> Sheet {
        let mut rows = Vec::new();
        let pct = |p: Option<Percent>| Cell::Pct(p);
        let line =
            |part: &str, name: &str, members: Option<u32>, per_member: Option<f64>, r: &Rates| {
                vec![
                    Cell::Text(part.to_string()),
                    Cell::Text(name.to_string()),
                    members.map_or(Cell::Empty, |m| Cell::Int(i64::from(m))),
                    Cell::Int(r.sessions as i64),
                    Cell::Decimal(r.hours),
                    Cell::Int(r.collected as i64),
                    Cell::Int(r.activated as i64),
                    Cell::Int(r.used as i64),
                    Cell::Int(r.helped as i64),
                    r.per_hour.map_or(Cell::Empty, Cell::Decimal),
                    per_member.map_or(Cell::Empty, Cell::Decimal),
                    Cell::Int(r.visits as i64),
                    pct(r.not_home_pct),
                    pct(r.refused_pct),
                    Cell::Int(r.no_smartphone as i64),
                ]
            };
        for t in &self.teams {
            rows.push(line(
                "Tổ",
                &format!("{} — {}", t.code, t.name),
                Some(t.members),
                t.per_member,
                &t.rates,
            ));
        }
        for (part, groups) in [
            ("Hình thức", &self.by_kind),
            ("Khung giờ", &self.by_slot),
            ("Ngày", &self.by_day),
        ] {
            for g in groups {
                rows.push(line(part, &g.name, None, None, &g.rates));
            }
        }
        rows.push(line("Tổng", "Mọi buổi", None, None, &self.sessions));
        Sheet {
            title: format!("Hiệu quả các tổ công tác — {}", self.unit.name),
            columns: columns(&[
                ("part", "Nhóm"),
                ("name", "Tên"),
                ("members", "Thành viên"),
                ("sessions", "Số buổi"),
                ("hours", "Số giờ"),
                ("collected", "Thu nhận"),
                ("activated", "Kích hoạt"),
                ("used", "Sử dụng"),
                ("helped", "Công dân được hỗ trợ"),
                ("per_hour", "Mỗi giờ"),
                ("per_member", "Mỗi thành viên"),
                ("visits", "Lượt đến nhà"),
                ("not_home_pct", "Không có nhà"),
                ("refused_pct", "Từ chối"),
                ("no_smartphone", "Không có điện thoại thông minh"),
            ]),
            rows,
        }
    }
}

/// A phone's last sync.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PhoneView {
    pub device: String,
    pub user: String,
    pub team: Option<String>,
    /// RFC 3339.
    pub last_sync: String,
    /// Its clock minus the server's at that sync, seconds.
    pub skew_seconds: i64,
    /// Entries it still held then.
    pub pending: u64,
}

/// A team's pulse.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct TeamPulse {
    pub code: String,
    pub name: String,
    pub last_session: Option<String>,
    /// Days since its latest session started, or none without one.
    pub days_since_session: Option<i32>,
    /// No session in the last `quiet_days` days.
    pub quiet: bool,
    /// The latest sync of its members' phones.
    pub last_sync: Option<String>,
    /// Entries its members' phones still held at their last syncs.
    pub pending: u64,
}

/// A commune with people still on a list and no team covering it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Uncovered {
    pub code: String,
    pub name: String,
    /// Eligible citizens who have not applied yet.
    pub not_applied: i64,
    /// Approved or applied and not activated yet.
    pub not_activated: i64,
}

/// Field health: phones, teams gone quiet, communes nobody covers.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Health {
    pub unit: UnitRef,
    pub as_of: String,
    pub quiet_days: u32,
    pub phones: Vec<PhoneView>,
    pub teams: Vec<TeamPulse>,
    pub uncovered: Vec<Uncovered>,
}

/// The communes (and other units citizens live in) at or under `code`.
fn communes_under(
    store: &dyn Store,
    scope: &Scope,
    unit: &phuxanh_store::Unit,
) -> Result<Vec<phuxanh_store::Unit>> {
    use phuxanh_domain::UnitLevel;
    if matches!(unit.level, UnitLevel::Commune | UnitLevel::Village) {
        return Ok(vec![unit.clone()]);
    }
    let mut out = Vec::new();
    for child in store.children(scope, &unit.code)? {
        out.extend(communes_under(store, scope, &child)?);
    }
    Ok(out)
}

pub fn health(
    store: &dyn Store,
    scope: &Scope,
    unit: &UnitCode,
    as_of: Day,
    quiet_days: u32,
) -> Result<Health> {
    let root = store.unit(scope, unit)?;
    let phones: Vec<PhoneView> = store
        .devices(scope, Some(unit))?
        .into_iter()
        .map(|d| PhoneView {
            device: d.sync.device,
            user: d.sync.username,
            team: d.sync.team,
            last_sync: d.sync.at.to_rfc3339(),
            skew_seconds: d.sync.skew,
            pending: d.sync.pending,
        })
        .collect();
    let rows = store.teams(scope, Some(unit))?;
    let mut covered: Vec<UnitCode> = Vec::new();
    let teams = rows
        .iter()
        .map(|r| {
            covered.extend(r.team.covered().iter().cloned());
            let code = r.team.code.to_string();
            let mine: Vec<&PhoneView> = phones
                .iter()
                .filter(|p| p.team.as_deref() == Some(code.as_str()))
                .collect();
            let days = r.last_session.map(|t| as_of.days_since(t.day()));
            TeamPulse {
                name: r.team.name.clone(),
                last_session: r.last_session.map(|t| t.to_rfc3339()),
                days_since_session: days,
                quiet: days.is_none_or(|d| d > quiet_days as i32),
                last_sync: mine.iter().map(|p| p.last_sync.clone()).max(),
                pending: mine.iter().map(|p| p.pending).sum(),
                code,
            }
        })
        .collect();
    // A commune is covered when a team covers it, a unit above it, or one
    // of its villages.
    let mut covered_set: std::collections::HashSet<UnitCode> = std::collections::HashSet::new();
    for code in &covered {
        covered_set.insert(code.clone());
        let unit = store.unit(scope, code)?;
        if unit.level == phuxanh_domain::UnitLevel::Village
            && let Some(parent) = unit.parent
        {
            covered_set.insert(parent);
        }
    }
    let mut uncovered = Vec::new();
    for commune in communes_under(store, scope, &root)? {
        let above = store.ancestors(scope, &commune.code)?;
        if covered_set.contains(&commune.code)
            || above.iter().any(|a| covered_set.contains(&a.code))
        {
            continue;
        }
        let f = store.figures(scope, &commune.code, as_of)?;
        let not_applied = f.counts[Metric::Eligible] - f.counts[Metric::Collected];
        let not_activated = f.counts[Metric::Collected] - f.counts[Metric::Activated];
        if not_applied > 0 || not_activated > 0 {
            uncovered.push(Uncovered {
                code: commune.code.to_string(),
                name: commune.name.clone(),
                not_applied: not_applied.max(0),
                not_activated: not_activated.max(0),
            });
        }
    }
    uncovered.sort_by_key(|u| std::cmp::Reverse(u.not_applied + u.not_activated));
    Ok(Health {
        unit: UnitRef::from(&root),
        as_of: as_of.to_string(),
        quiet_days,
        phones,
        teams,
        uncovered,
    })
}

impl Report for Health {
    fn sheet(&self) -> Sheet {
        let mut rows = Vec::new();
        for t in &self.teams {
            rows.push(vec![
                Cell::Text("Tổ".into()),
                Cell::Text(format!("{} — {}", t.code, t.name)),
                Cell::Text(match t.days_since_session {
                    Some(d) => format!(
                        "buổi gần nhất {d} ngày trước{}",
                        if t.quiet { " (quá lâu)" } else { "" }
                    ),
                    None => "chưa có buổi nào".into(),
                }),
                Cell::Text(t.last_sync.clone().unwrap_or_default()),
                Cell::Int(t.pending as i64),
            ]);
        }
        for p in &self.phones {
            rows.push(vec![
                Cell::Text("Điện thoại".into()),
                Cell::Text(format!("{} ({})", p.user, p.device)),
                Cell::Text(
                    if p.skew_seconds.abs() > phuxanh_domain::field::CLOCK_SKEW_SECS {
                        format!("đồng hồ lệch {} phút", p.skew_seconds / 60)
                    } else {
                        String::new()
                    },
                ),
                Cell::Text(p.last_sync.clone()),
                Cell::Int(p.pending as i64),
            ]);
        }
        for u in &self.uncovered {
            rows.push(vec![
                Cell::Text("Chưa có tổ".into()),
                Cell::Text(format!("{} ({})", u.name, u.code)),
                Cell::Text(format!(
                    "{} chưa thu nhận, {} chưa kích hoạt",
                    vi::number(u.not_applied),
                    vi::number(u.not_activated)
                )),
                Cell::Empty,
                Cell::Empty,
            ]);
        }
        Sheet {
            title: format!("Tình hình các tổ — {} — {}", self.unit.name, self.as_of),
            columns: columns(&[
                ("part", "Mục"),
                ("name", "Tên"),
                ("state", "Tình trạng"),
                ("last_sync", "Đồng bộ gần nhất"),
                ("pending", "Còn trên máy"),
            ]),
            rows,
        }
    }
}
