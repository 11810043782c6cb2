//! Field operations: the teams that go door to door (tổ công tác), their
//! outings (buổi thu nhận lưu động), what happened at each door (visit
//! outcomes) and the door-to-door lists (rà soát). The rules here are
//! docs/rules.md's "Field operations".

use std::fmt;
use std::str::FromStr;

use crate::contact::Phone;
use crate::metric::{Firsts, Metric};
use crate::text::normalize;
use crate::time::{Day, Instant};
use crate::unit::UnitCode;

/// A team's or a session's code as files and the API write it (`T-28756-1`,
/// the `team_id` and `session_id` columns of the events file): 1 to 40
/// letters, digits, `-`, `_` or `.`, case kept.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct FieldCode(String);

/// The longest team or session code.
pub const MAX_CODE: usize = 40;

impl FieldCode {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for FieldCode {
    type Err = String;
    fn from_str(s: &str) -> Result<FieldCode, String> {
        let s = s.trim();
        if s.is_empty() {
            return Err("the code is empty".into());
        }
        if s.chars().count() > MAX_CODE {
            return Err(format!(
                "code '{s}' is longer than {MAX_CODE} characters: shorten it"
            ));
        }
        if let Some(c) = s
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        {
            return Err(format!(
                "code '{s}' holds '{c}': use letters A–Z, digits, '-', '_' or '.'"
            ));
        }
        Ok(FieldCode(s.to_string()))
    }
}

impl fmt::Display for FieldCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The forces a team's members come from.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum Force {
    Police,
    YouthUnion,
    WomensUnion,
    Veterans,
    Students,
    Other,
}

impl Force {
    pub const ALL: [Force; 6] = [
        Force::Police,
        Force::YouthUnion,
        Force::WomensUnion,
        Force::Veterans,
        Force::Students,
        Force::Other,
    ];

    /// The name in files, the command line and JSON (`youth_union`).
    pub fn as_str(self) -> &'static str {
        match self {
            Force::Police => "police",
            Force::YouthUnion => "youth_union",
            Force::WomensUnion => "womens_union",
            Force::Veterans => "veterans",
            Force::Students => "students",
            Force::Other => "other",
        }
    }

    pub fn vietnamese(self) -> &'static str {
        match self {
            Force::Police => "Công an",
            Force::YouthUnion => "Đoàn thanh niên",
            Force::WomensUnion => "Hội phụ nữ",
            Force::Veterans => "Cựu chiến binh",
            Force::Students => "Học sinh, sinh viên",
            Force::Other => "Khác",
        }
    }
}

impl FromStr for Force {
    type Err = String;
    fn from_str(s: &str) -> Result<Force, String> {
        let s = s.trim();
        Force::ALL
            .into_iter()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown force '{s}': use police, youth_union, womens_union, veterans, students or other"
                )
            })
    }
}

/// Where a session takes place.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum SessionKind {
    /// Đi từng ngõ, gõ từng nhà.
    DoorToDoor,
    /// At the commune's office (trụ sở, nhà văn hoá).
    Office,
    School,
    Workplace,
    Market,
}

impl SessionKind {
    pub const ALL: [SessionKind; 5] = [
        SessionKind::DoorToDoor,
        SessionKind::Office,
        SessionKind::School,
        SessionKind::Workplace,
        SessionKind::Market,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SessionKind::DoorToDoor => "door-to-door",
            SessionKind::Office => "office",
            SessionKind::School => "school",
            SessionKind::Workplace => "workplace",
            SessionKind::Market => "market",
        }
    }

    pub fn vietnamese(self) -> &'static str {
        match self {
            SessionKind::DoorToDoor => "Đến từng nhà",
            SessionKind::Office => "Tại trụ sở",
            SessionKind::School => "Tại trường học",
            SessionKind::Workplace => "Tại cơ quan, doanh nghiệp",
            SessionKind::Market => "Tại chợ",
        }
    }
}

impl FromStr for SessionKind {
    type Err = String;
    fn from_str(s: &str) -> Result<SessionKind, String> {
        let s = s.trim();
        SessionKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown session kind '{s}': use door-to-door, office, school, workplace or market"
                )
            })
    }
}

/// When a session runs, from its times: the part of the day it reaches
/// latest, and whether it is on a weekend.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum Slot {
    /// Ends by 18:00.
    Daytime,
    /// Runs past 18:00 (buổi tối).
    Evening,
    /// Runs past 22:00 (the Triệu Sơn police's "sau 22h30").
    Late,
}

impl Slot {
    pub const ALL: [Slot; 3] = [Slot::Daytime, Slot::Evening, Slot::Late];

    pub fn as_str(self) -> &'static str {
        match self {
            Slot::Daytime => "daytime",
            Slot::Evening => "evening",
            Slot::Late => "late",
        }
    }

    pub fn vietnamese(self) -> &'static str {
        match self {
            Slot::Daytime => "Ban ngày",
            Slot::Evening => "Buổi tối (sau 18:00)",
            Slot::Late => "Đêm muộn (sau 22:00)",
        }
    }
}

/// A session's times, checked: it ends after it starts, within 24 hours.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct SessionTimes {
    pub start: Instant,
    pub end: Instant,
}

impl SessionTimes {
    pub fn new(start: Instant, end: Instant) -> Result<SessionTimes, String> {
        let secs = end.unix_seconds() - start.unix_seconds();
        if secs <= 0 {
            return Err(format!(
                "the session ends ({}) before it starts ({})",
                end.to_rfc3339(),
                start.to_rfc3339()
            ));
        }
        if secs > 24 * 3600 {
            return Err(format!(
                "the session runs from {} to {}, more than 24 hours: one outing is one row",
                start.to_rfc3339(),
                end.to_rfc3339()
            ));
        }
        Ok(SessionTimes { start, end })
    }

    /// The latest part of the day the session reaches (Vietnam time): past
    /// 22:00, or on into the next day, is late; past 18:00 is evening.
    pub fn slot(self) -> Slot {
        let start_day = self.start.day();
        let end_minutes = if self.end.day() > start_day {
            24 * 60
        } else {
            minutes_of_day(self.end)
        };
        if end_minutes > 22 * 60 || minutes_of_day(self.start) >= 22 * 60 {
            Slot::Late
        } else if end_minutes > 18 * 60 || minutes_of_day(self.start) >= 18 * 60 {
            Slot::Evening
        } else {
            Slot::Daytime
        }
    }

    /// Whether the session starts on a Saturday or a Sunday.
    pub fn weekend(self) -> bool {
        self.start.day().is_weekend()
    }

    /// Hours, for "per hour" figures.
    pub fn hours(self) -> f64 {
        (self.end.unix_seconds() - self.start.unix_seconds()) as f64 / 3600.0
    }

    /// Whether `at` falls within the session, with `grace` seconds either
    /// side (a phone's clock, an entry made on the way home).
    pub fn contains(self, at: Instant, grace: i64) -> bool {
        let t = at.unix_seconds();
        t >= self.start.unix_seconds() - grace && t <= self.end.unix_seconds() + grace
    }
}

/// Minutes since midnight, Vietnam time.
fn minutes_of_day(at: Instant) -> i64 {
    (at.unix_seconds() - Instant::start_of(at.day()).unix_seconds()) / 60
}

/// What happened at a door.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum Outcome {
    HelpedApply,
    HelpedActivate,
    HelpedUse,
    NotHome,
    Refused,
    MovedAway,
    Deceased,
    LivesElsewhere,
    NoSmartphone,
    DoneElsewhere,
}

impl Outcome {
    pub const ALL: [Outcome; 10] = [
        Outcome::HelpedApply,
        Outcome::HelpedActivate,
        Outcome::HelpedUse,
        Outcome::NotHome,
        Outcome::Refused,
        Outcome::MovedAway,
        Outcome::Deceased,
        Outcome::LivesElsewhere,
        Outcome::NoSmartphone,
        Outcome::DoneElsewhere,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::HelpedApply => "helped-apply",
            Outcome::HelpedActivate => "helped-activate",
            Outcome::HelpedUse => "helped-use",
            Outcome::NotHome => "not-home",
            Outcome::Refused => "refused",
            Outcome::MovedAway => "moved-away",
            Outcome::Deceased => "deceased",
            Outcome::LivesElsewhere => "lives-elsewhere",
            Outcome::NoSmartphone => "no-smartphone",
            Outcome::DoneElsewhere => "done-elsewhere",
        }
    }

    pub fn vietnamese(self) -> &'static str {
        match self {
            Outcome::HelpedApply => "Đã hỗ trợ đăng ký",
            Outcome::HelpedActivate => "Đã hỗ trợ kích hoạt",
            Outcome::HelpedUse => "Đã hướng dẫn sử dụng",
            Outcome::NotHome => "Không có nhà",
            Outcome::Refused => "Từ chối",
            Outcome::MovedAway => "Đã chuyển đi",
            Outcome::Deceased => "Đã mất",
            Outcome::LivesElsewhere => "Không sống tại địa phương",
            Outcome::NoSmartphone => "Không có điện thoại thông minh",
            Outcome::DoneElsewhere => "Đã làm ở nơi khác",
        }
    }

    /// Takes the citizen out of their unit's eligible population from the
    /// visit's day: moved away, deceased, lives elsewhere.
    pub fn leaves_population(self) -> bool {
        matches!(
            self,
            Outcome::MovedAway | Outcome::Deceased | Outcome::LivesElsewhere
        )
    }

    /// The household goes on the next evening or weekend session's list.
    pub fn visit_again(self) -> bool {
        matches!(self, Outcome::NotHome)
    }
}

impl FromStr for Outcome {
    type Err = String;
    fn from_str(s: &str) -> Result<Outcome, String> {
        let s = s.trim();
        Outcome::ALL
            .into_iter()
            .find(|o| o.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown outcome '{s}': use {}",
                    Outcome::ALL.map(Outcome::as_str).join(", ")
                )
            })
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A door-to-door list: which eligible citizens a team goes to see.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum WorklistKind {
    /// No application yet (chưa thu nhận).
    NotApplied,
    /// Applied, waiting for approval, not refused.
    NotApproved,
    /// Refused and not applied again since: they must apply again.
    Rejected,
    /// Approved, account not activated.
    NotActivated,
    /// Activated, never used.
    NotUsed,
    /// Applied at level 1 only: no level-2 application.
    NotLevel2,
}

impl WorklistKind {
    pub const ALL: [WorklistKind; 6] = [
        WorklistKind::NotApplied,
        WorklistKind::NotApproved,
        WorklistKind::Rejected,
        WorklistKind::NotActivated,
        WorklistKind::NotUsed,
        WorklistKind::NotLevel2,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            WorklistKind::NotApplied => "not-applied",
            WorklistKind::NotApproved => "not-approved",
            WorklistKind::Rejected => "rejected",
            WorklistKind::NotActivated => "not-activated",
            WorklistKind::NotUsed => "not-used",
            WorklistKind::NotLevel2 => "not-level-2",
        }
    }

    pub fn vietnamese(self) -> &'static str {
        match self {
            WorklistKind::NotApplied => "Chưa thu nhận hồ sơ",
            WorklistKind::NotApproved => "Chưa được phê duyệt",
            WorklistKind::Rejected => "Bị từ chối, cần làm lại",
            WorklistKind::NotActivated => "Chưa kích hoạt",
            WorklistKind::NotUsed => "Đã kích hoạt, chưa sử dụng",
            WorklistKind::NotLevel2 => "Chưa có mức 2",
        }
    }

    /// Whether a citizen whose first days (as of the list's day) are
    /// `firsts` is on this list; `rejected_last` says whether their last
    /// application was refused (a rejection after their latest collection,
    /// with no approval). On the list: the stage reached and since when
    /// (`None` for a citizen with no event).
    pub fn stuck(self, firsts: &Firsts, rejected_last: bool) -> Option<Option<(Metric, Day)>> {
        let has = |m: Metric| firsts.get(m).is_some();
        let at = |m: Metric| firsts.get(m).map(|d| (m, d));
        match self {
            WorklistKind::NotApplied => (!has(Metric::Collected)).then_some(None),
            WorklistKind::NotApproved => {
                (has(Metric::Collected) && !has(Metric::Approved) && !rejected_last)
                    .then(|| at(Metric::Collected))
            }
            WorklistKind::Rejected => {
                (rejected_last && !has(Metric::Approved)).then(|| at(Metric::Rejected))
            }
            WorklistKind::NotActivated => {
                (has(Metric::Approved) && !has(Metric::Activated)).then(|| at(Metric::Approved))
            }
            WorklistKind::NotUsed => {
                (has(Metric::Activated) && !has(Metric::Used)).then(|| at(Metric::Activated))
            }
            WorklistKind::NotLevel2 => {
                (has(Metric::Collected) && !has(Metric::CollectedL2)).then(|| at(Metric::Collected))
            }
        }
    }
}

impl FromStr for WorklistKind {
    type Err = String;
    fn from_str(s: &str) -> Result<WorklistKind, String> {
        let s = s.trim();
        WorklistKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown worklist '{s}': use {}",
                    WorklistKind::ALL.map(WorklistKind::as_str).join(", ")
                )
            })
    }
}

impl fmt::Display for WorklistKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A field team: its code (the events file's `team_id`), name, home unit,
/// the units it covers (its home unit when none is named), its leader and
/// deputy, and its members by force.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Team {
    pub code: FieldCode,
    pub name: String,
    pub unit: UnitCode,
    pub covers: Vec<UnitCode>,
    pub leader: Option<String>,
    pub leader_phone: Option<Phone>,
    pub deputy: Option<String>,
    /// Members of each force, forces without members left out.
    pub members: Vec<(Force, u32)>,
}

impl Team {
    /// The units the team covers: those named, else its home unit.
    pub fn covered(&self) -> &[UnitCode] {
        if self.covers.is_empty() {
            std::slice::from_ref(&self.unit)
        } else {
            &self.covers
        }
    }

    pub fn member_count(&self) -> u32 {
        self.members.iter().map(|(_, n)| n).sum()
    }
}

/// One outing of a team (buổi thu nhận lưu động): where, what kind, when.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Session {
    pub code: FieldCode,
    pub team: FieldCode,
    pub unit: UnitCode,
    pub place: String,
    pub kind: SessionKind,
    pub times: SessionTimes,
}

/// A visit's id, made by whoever records it (a phone makes one per entry,
/// so that a retry is the same visit): 1 to 64 printable ASCII characters.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct VisitId(String);

impl VisitId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for VisitId {
    type Err = String;
    fn from_str(s: &str) -> Result<VisitId, String> {
        let s = s.trim();
        if s.is_empty() {
            return Err("visit_id is empty".into());
        }
        if s.len() > 64 || !s.bytes().all(|b| (b'!'..=b'~').contains(&b) || b == b' ') {
            return Err(format!(
                "visit_id '{s}' must be at most 64 printable ASCII characters"
            ));
        }
        Ok(VisitId(s.to_string()))
    }
}

impl fmt::Display for VisitId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What happened at one citizen's door, and when.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Visit {
    pub id: VisitId,
    pub citizen: crate::citizen::CitizenId,
    pub outcome: Outcome,
    /// When it happened, as the phone or the file says.
    pub at: Instant,
    pub team: Option<FieldCode>,
    pub session: Option<FieldCode>,
    pub note: Option<String>,
}

/// Why a visit does not count on its day until someone looks at it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum VisitFlag {
    /// Timed after the moment it reached the server.
    Future,
    /// Timed outside its session (more than [`SESSION_GRACE_SECS`] either side).
    OutsideSession,
    /// Sent by a phone whose clock was off by more than [`CLOCK_SKEW_SECS`].
    Clock,
}

/// How far from its session a visit may be timed: the way there and back.
pub const SESSION_GRACE_SECS: i64 = 60 * 60;
/// How far a phone's clock may be from the server's before its entries are
/// flagged.
pub const CLOCK_SKEW_SECS: i64 = 10 * 60;

impl VisitFlag {
    pub fn as_str(self) -> &'static str {
        match self {
            VisitFlag::Future => "future",
            VisitFlag::OutsideSession => "outside-session",
            VisitFlag::Clock => "clock",
        }
    }

    pub fn parse(s: &str) -> Option<VisitFlag> {
        [
            VisitFlag::Future,
            VisitFlag::OutsideSession,
            VisitFlag::Clock,
        ]
        .into_iter()
        .find(|f| f.as_str() == s)
    }

    pub fn vietnamese(self) -> &'static str {
        match self {
            VisitFlag::Future => "thời điểm ở tương lai",
            VisitFlag::OutsideSession => "ngoài giờ của buổi thu nhận",
            VisitFlag::Clock => "đồng hồ điện thoại sai",
        }
    }
}

/// A team's or a place's name: one line, trimmed, NFC, 1 to 200
/// characters.
pub fn name(s: &str, what: &str) -> Result<String, String> {
    crate::contact::OneLine::parse(&normalize(s), what).map(|l| l.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lifecycle::{EventKind, Level};

    fn at(s: &str) -> Instant {
        Instant::parse_file(s).unwrap()
    }

    fn times(a: &str, b: &str) -> SessionTimes {
        SessionTimes::new(at(a), at(b)).unwrap()
    }

    #[test]
    fn a_sessions_slot_is_the_latest_part_of_the_day_it_reaches() {
        assert_eq!(
            times("2023-09-09 08:00", "2023-09-09 11:30").slot(),
            Slot::Daytime
        );
        assert_eq!(
            times("2023-09-09 14:00", "2023-09-09 18:00").slot(),
            Slot::Daytime
        );
        assert_eq!(
            times("2023-09-09 17:00", "2023-09-09 20:00").slot(),
            Slot::Evening
        );
        assert_eq!(
            times("2023-09-09 19:00", "2023-09-09 22:00").slot(),
            Slot::Evening
        );
        assert_eq!(
            times("2023-09-09 19:30", "2023-09-09 22:45").slot(),
            Slot::Late
        );
        assert_eq!(
            times("2023-09-09 22:30", "2023-09-10 00:30").slot(),
            Slot::Late
        );
        // 10 September 2023 was a Sunday, the 11th a Monday.
        assert!(times("2023-09-10 08:00", "2023-09-10 11:00").weekend());
        assert!(!times("2023-09-11 08:00", "2023-09-11 11:00").weekend());
    }

    #[test]
    fn a_session_ends_after_it_starts_within_a_day() {
        assert!(SessionTimes::new(at("2023-09-09 20:00"), at("2023-09-09 19:00")).is_err());
        assert!(SessionTimes::new(at("2023-09-09 20:00"), at("2023-09-09 20:00")).is_err());
        assert!(SessionTimes::new(at("2023-09-09 20:00"), at("2023-09-11 20:00")).is_err());
        let t = times("2023-09-09 19:00", "2023-09-09 21:30");
        assert_eq!(t.hours(), 2.5);
        assert!(t.contains(at("2023-09-09 21:45"), 30 * 60));
        assert!(!t.contains(at("2023-09-09 23:00"), 30 * 60));
    }

    #[test]
    fn codes_and_names_parse() {
        assert_eq!(
            "T-28756_1.a".parse::<FieldCode>().unwrap().as_str(),
            "T-28756_1.a"
        );
        assert!("".parse::<FieldCode>().is_err());
        assert!("tổ 1".parse::<FieldCode>().is_err());
        assert!("x".repeat(41).parse::<FieldCode>().is_err());
        for f in Force::ALL {
            assert_eq!(f.as_str().parse::<Force>(), Ok(f));
        }
        for k in SessionKind::ALL {
            assert_eq!(k.as_str().parse::<SessionKind>(), Ok(k));
        }
        for o in Outcome::ALL {
            assert_eq!(o.as_str().parse::<Outcome>(), Ok(o));
        }
        for k in WorklistKind::ALL {
            assert_eq!(k.as_str().parse::<WorklistKind>(), Ok(k));
        }
        assert!(
            "gone"
                .parse::<Outcome>()
                .unwrap_err()
                .contains("moved-away")
        );
    }

    #[test]
    fn each_list_holds_the_citizens_stuck_at_its_stage() {
        let d = |s: &str| -> Day { s.parse().unwrap() };
        let none = Firsts::default();
        let mut applied = Firsts::default();
        applied.record(EventKind::Collected, Level::One, d("2023-09-01"));
        let mut approved = applied;
        approved.record(EventKind::Approved, Level::One, d("2023-09-03"));
        let mut activated = approved;
        activated.record(EventKind::Activated, Level::One, d("2023-09-05"));
        let mut refused = applied;
        refused.record(EventKind::Rejected, Level::One, d("2023-09-02"));
        use WorklistKind::*;
        assert_eq!(NotApplied.stuck(&none, false), Some(None));
        assert_eq!(NotApplied.stuck(&applied, false), None);
        assert_eq!(
            NotApproved.stuck(&applied, false),
            Some(Some((Metric::Collected, d("2023-09-01"))))
        );
        assert_eq!(NotApproved.stuck(&refused, true), None);
        assert_eq!(
            Rejected.stuck(&refused, true),
            Some(Some((Metric::Rejected, d("2023-09-02"))))
        );
        // Refused, then applied again: waiting for approval once more.
        assert_eq!(Rejected.stuck(&refused, false), None);
        assert!(NotApproved.stuck(&refused, false).is_some());
        assert_eq!(
            NotActivated.stuck(&approved, false),
            Some(Some((Metric::Approved, d("2023-09-03"))))
        );
        assert_eq!(
            NotUsed.stuck(&activated, false),
            Some(Some((Metric::Activated, d("2023-09-05"))))
        );
        assert!(NotLevel2.stuck(&activated, false).is_some());
        assert_eq!(NotLevel2.stuck(&none, false), None);
        let mut l2 = Firsts::default();
        l2.record(EventKind::Collected, Level::Two, d("2023-09-01"));
        assert_eq!(NotLevel2.stuck(&l2, false), None);
        for o in Outcome::ALL {
            assert_eq!(
                o.leaves_population(),
                matches!(
                    o,
                    Outcome::MovedAway | Outcome::Deceased | Outcome::LivesElsewhere
                )
            );
        }
    }
}
