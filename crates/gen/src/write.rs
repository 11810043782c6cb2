//! The CSV files, written as the citizens are generated.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use phuxanh_domain::{CitizenId, Day, EventKind, Level, Sex, UnitCode};
use phuxanh_store::Unit;

use crate::GenError;
use crate::names::REJECTION_REASONS;
use crate::timeline::{GenEvent, MINUTES_A_DAY, Minute};

type Writer = csv::Writer<BufWriter<File>>;

pub struct Files {
    paths: Vec<PathBuf>,
    villages: Writer,
    citizens: Writer,
    events: Writer,
    status: Writer,
    pub(crate) targets: Writer,
    contacts: Writer,
    teams: Writer,
    sessions: Writer,
    visits: Writer,
}

fn io(path: &Path, e: impl Into<std::io::Error>) -> GenError {
    GenError::Io {
        path: path.to_owned(),
        source: e.into(),
    }
}

fn csv_io(path: &Path, e: csv::Error) -> GenError {
    io(path, std::io::Error::other(e))
}

impl Files {
    pub fn create(dir: &Path) -> Result<Files, GenError> {
        std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
        let mut paths = Vec::new();
        let mut open = |name: &str, header: &[&str]| -> Result<Writer, GenError> {
            let path = dir.join(name);
            let file = File::create(&path).map_err(|e| io(&path, e))?;
            let mut w = csv::Writer::from_writer(BufWriter::with_capacity(1 << 20, file));
            w.write_record(header).map_err(|e| csv_io(&path, e))?;
            paths.push(path);
            Ok(w)
        };
        let villages = open("villages.csv", &["code", "name", "level", "parent_code"])?;
        let citizens = open(
            "citizens.csv",
            &[
                "id",
                "full_name",
                "birth_date",
                "sex",
                "unit_code",
                "household_id",
                "address",
                "phone",
            ],
        )?;
        let events = open(
            "events.csv",
            &[
                "event_id",
                "citizen_id",
                "kind",
                "level",
                "at",
                "team_id",
                "session_id",
                "reason",
            ],
        )?;
        let status = open(
            "status.csv",
            &[
                "citizen_id",
                "level",
                "collected_at",
                "approved_at",
                "activated_at",
                "used_at",
            ],
        )?;
        let targets = open("targets.csv", &["unit_code", "metric", "value", "deadline"])?;
        let contacts = open("contacts.csv", &["unit_code", "name", "title", "phone"])?;
        let teams = open(
            "teams.csv",
            &[
                "team_id",
                "name",
                "unit_code",
                "leader",
                "leader_phone",
                "police",
                "youth_union",
                "womens_union",
                "veterans",
                "students",
            ],
        )?;
        let sessions = open(
            "sessions.csv",
            &[
                "session_id",
                "team_id",
                "unit_code",
                "place",
                "kind",
                "start",
                "end",
            ],
        )?;
        let visits = open(
            "visits.csv",
            &[
                "visit_id",
                "citizen_id",
                "outcome",
                "at",
                "team_id",
                "session_id",
            ],
        )?;
        Ok(Files {
            paths,
            villages,
            citizens,
            events,
            status,
            targets,
            contacts,
            teams,
            sessions,
            visits,
        })
    }

    fn err(&self, index: usize, e: csv::Error) -> GenError {
        csv_io(&self.paths[index], e)
    }

    pub fn village(&mut self, code: &str, name: &str, commune: &UnitCode) -> Result<(), GenError> {
        self.villages
            .write_record([code, name, "village", commune.as_str()])
            .map_err(|e| self.err(0, e))
    }

    #[allow(clippy::too_many_arguments)]
    pub fn citizen(
        &mut self,
        id: &CitizenId,
        name: &str,
        birth: Day,
        sex: Sex,
        village: &str,
        household: &str,
        address: &str,
        phone: Option<&str>,
    ) -> Result<(), GenError> {
        self.citizens
            .write_record([
                id.to_string().as_str(),
                name,
                birth.to_string().as_str(),
                sex.as_str(),
                village,
                household,
                address,
                phone.unwrap_or(""),
            ])
            .map_err(|e| self.err(1, e))
    }

    pub fn event(&mut self, n: usize, e: &GenEvent, commune: &UnitCode) -> Result<(), GenError> {
        let team = team_code(commune, e.team);
        let session = session_code(&team, e.at);
        let reason = if e.kind == EventKind::Rejected {
            REJECTION_REASONS[e.reason as usize]
        } else {
            ""
        };
        self.events
            .write_record([
                format!("E{n}").as_str(),
                CitizenId::from_u64(e.citizen)
                    .map(|c| c.to_string())
                    .unwrap_or_default()
                    .as_str(),
                e.kind.as_str(),
                level_str(e.level),
                local_time(e.at).as_str(),
                team.as_str(),
                session.as_str(),
                reason,
            ])
            .map_err(|err| self.err(2, err))
    }

    /// Writes the status rows of one citizen's events (generated in order):
    /// per level, the current application's stages and its first use.
    pub fn status(&mut self, events: &[GenEvent]) -> Result<u64, GenError> {
        let mut rows = 0;
        for level in [Level::One, Level::Two] {
            let mut current: [Option<Minute>; 4] = [None; 4];
            for e in events.iter().filter(|e| e.level == level) {
                match e.kind {
                    EventKind::Collected => current = [Some(e.at), None, None, None],
                    EventKind::Rejected => current = [None; 4],
                    EventKind::Approved => current[1] = Some(e.at),
                    EventKind::Activated => current[2] = Some(e.at),
                    EventKind::Used => current[3] = current[3].or(Some(e.at)),
                }
            }
            if current[0].is_none() {
                continue;
            }
            let citizen = CitizenId::from_u64(events[0].citizen)
                .map(|c| c.to_string())
                .unwrap_or_default();
            let cells = current.map(|t| t.map(local_time).unwrap_or_default());
            self.status
                .write_record([
                    citizen.as_str(),
                    level_str(level),
                    &cells[0],
                    &cells[1],
                    &cells[2],
                    &cells[3],
                ])
                .map_err(|e| self.err(3, e))?;
            rows += 1;
        }
        Ok(rows)
    }

    pub fn finish(mut self) -> Result<Vec<PathBuf>, GenError> {
        for (i, w) in [
            &mut self.villages,
            &mut self.citizens,
            &mut self.events,
            &mut self.status,
            &mut self.targets,
            &mut self.contacts,
            &mut self.teams,
            &mut self.sessions,
            &mut self.visits,
        ]
        .into_iter()
        .enumerate()
        {
            w.flush().map_err(|e| io(&self.paths[i], e))?;
        }
        Ok(self.paths)
    }
}

/// A commune's team `n`, as events name it.
fn team_code(commune: &UnitCode, n: u8) -> String {
    format!("{commune}-TCT{n}")
}

/// The session a team's event at `at` belongs to: its day and part of the
/// day (`am`, `pm`, `eve`).
fn session_code(team: &str, at: Minute) -> String {
    let part = match (at % MINUTES_A_DAY) / 60 {
        0..=11 => "am",
        12..=17 => "pm",
        _ => "eve",
    };
    format!("{team}-{}-{part}", local_date(at).replace('-', ""))
}

impl Files {
    /// A commune's team `n` (1 police and youth union, 2 women's union and
    /// veterans, 3 students), covering the commune.
    pub fn team(
        &mut self,
        rng: &mut impl rand::Rng,
        commune: &UnitCode,
        commune_name: &str,
        n: u8,
    ) -> Result<(), GenError> {
        let (name, members): (&str, [u32; 5]) = match n {
            1 => ("Tổ công tác Công an và Đoàn thanh niên", [3, 6, 0, 0, 0]),
            2 => ("Tổ Hội phụ nữ và Cựu chiến binh", [1, 0, 8, 2, 0]),
            _ => ("Tổ học sinh tình nguyện", [1, 2, 0, 0, 12]),
        };
        let sex = if rng.random_bool(0.7) {
            Sex::Male
        } else {
            Sex::Female
        };
        let family = crate::names::family_name(rng);
        let leader = crate::names::full_name(rng, family, sex);
        let phone = format!("09{:08}", rng.random_range(0..100_000_000u32));
        let count = |i: usize| {
            if members[i] == 0 {
                String::new()
            } else {
                members[i].to_string()
            }
        };
        self.teams
            .write_record([
                team_code(commune, n).as_str(),
                &format!("{name} — {commune_name}"),
                commune.as_str(),
                &leader,
                &phone,
                &count(0),
                &count(1),
                &count(2),
                &count(3),
                &count(4),
            ])
            .map_err(|e| self.err(6, e))
    }

    #[allow(clippy::too_many_arguments)]
    pub fn session(
        &mut self,
        commune: &UnitCode,
        team: u8,
        day: Day,
        part: &str,
        place: &str,
        kind: &str,
        start: &str,
        end: &str,
    ) -> Result<(), GenError> {
        let team = team_code(commune, team);
        let code = format!("{team}-{}-{part}", day.to_string().replace('-', ""));
        self.sessions
            .write_record([
                code.as_str(),
                &team,
                commune.as_str(),
                place,
                kind,
                &format!("{day} {start}"),
                &format!("{day} {end}"),
            ])
            .map_err(|e| self.err(7, e))
    }

    /// Visit `n` of the women's union team's evening session.
    pub fn visit(
        &mut self,
        n: usize,
        citizen: u64,
        at: Minute,
        outcome: &str,
        commune: &UnitCode,
    ) -> Result<(), GenError> {
        let team = team_code(commune, 2);
        self.visits
            .write_record([
                format!("V{n}").as_str(),
                CitizenId::from_u64(citizen)
                    .map(|c| c.to_string())
                    .unwrap_or_default()
                    .as_str(),
                outcome,
                &local_time(at),
                &team,
                &session_code(&team, at),
            ])
            .map_err(|e| self.err(8, e))
    }
}

fn level_str(level: Level) -> &'static str {
    match level {
        Level::One => "1",
        Level::Two => "2",
    }
}

fn local_date(t: Minute) -> String {
    Day::from_number((t / MINUTES_A_DAY) as i32).to_string()
}

/// `YYYY-MM-DD HH:MM`, local time.
fn local_time(t: Minute) -> String {
    let m = t % MINUTES_A_DAY;
    format!("{} {:02}:{:02}", local_date(t), m / 60, m % 60)
}

/// Villages of a commune: about one per 1,200 people, at least two. Their
/// codes add `-Tnn` to the commune's so they never look like GSO codes.
pub fn village_names(commune: &Unit, citizens: u64) -> Vec<(String, String)> {
    let n = (citizens / 1200).max(2);
    let urban = commune.name.starts_with("Phường") || commune.name.starts_with("Thị trấn");
    // Provinces from Bình Phước (70) southwards call villages "ấp".
    let southern = commune
        .parent
        .as_ref()
        .is_some_and(|_| commune.code.as_str() >= "24000");
    let word = match (urban, southern) {
        (true, true) => "Khu phố",
        (true, false) => "Tổ dân phố",
        (false, true) => "Ấp",
        (false, false) => "Thôn",
    };
    (1..=n)
        .map(|i| (format!("{}-T{i:02}", commune.code), format!("{word} {i}")))
        .collect()
}

/// What targets are computed from: a commune's eligible people at the end.
pub struct TargetBase<'a> {
    pub commune: &'a UnitCode,
    pub district: Option<&'a UnitCode>,
    pub province: &'a UnitCode,
    pub eligible: u64,
}

/// Targets of 95% (collected) and 85% (activated) of each commune's
/// eligible people; districts and provinces get the sums of their communes,
/// so children always add up to their parent.
pub fn targets(
    files: &mut Files,
    bases: &[TargetBase<'_>],
    deadline: Day,
) -> Result<u64, GenError> {
    let mut rows = 0;
    for (metric, share) in [("collected", 0.95), ("activated", 0.85)] {
        let mut sums: BTreeMap<&UnitCode, u64> = BTreeMap::new();
        let mut communes = Vec::new();
        for b in bases {
            let t = ((b.eligible as f64 * share).round() as u64).max(1);
            *sums.entry(b.province).or_default() += t;
            if let Some(d) = b.district {
                *sums.entry(d).or_default() += t;
            }
            communes.push((b.commune, t));
        }
        for (unit, value) in sums.into_iter().chain(communes) {
            files
                .targets
                .write_record([
                    unit.as_str(),
                    metric,
                    &value.to_string(),
                    &deadline.to_string(),
                ])
                .map_err(|e| files.err(4, e))?;
            rows += 1;
        }
    }
    Ok(rows)
}

/// The police chief who answers for `unit`: "Trưởng Công an xã" for a
/// commune, "Trưởng Công an huyện" for a district (or "thành phố", "thị
/// xã", "quận" after its name), "Giám đốc Công an tỉnh" for a province.
pub fn contact(files: &mut Files, rng: &mut impl rand::Rng, unit: &Unit) -> Result<(), GenError> {
    use phuxanh_domain::UnitLevel;
    const KINDS: &[&str] = &[
        "Thành phố",
        "Thị trấn",
        "Thị xã",
        "Phường",
        "Quận",
        "Huyện",
        "Xã",
        "Tỉnh",
    ];
    let kind = KINDS
        .iter()
        .find(|k| unit.name.starts_with(*k))
        .map(|k| k.to_lowercase())
        .unwrap_or_else(|| unit.level.vietnamese().to_string());
    let title = match unit.level {
        UnitLevel::Province => format!("Giám đốc Công an {kind}"),
        _ => format!("Trưởng Công an {kind}"),
    };
    let sex = if rng.random_bool(0.85) {
        Sex::Male
    } else {
        Sex::Female
    };
    let family = crate::names::family_name(rng);
    let name = crate::names::full_name(rng, family, sex);
    let n: u32 = rng.random_range(0..100_000_000);
    let phone = format!(
        "09{:02} {:03} {:03}",
        n / 1_000_000,
        n / 1000 % 1000,
        n % 1000
    );
    files
        .contacts
        .write_record([unit.code.as_str(), &name, &title, &phone])
        .map_err(|e| files.err(5, e))
}
