//! Synthetic campaigns, deterministic for a seed: villages under the
//! communes of a built-in province (or the whole country), households of
//! citizens with valid personal identification numbers and a realistic age
//! pyramid, and a campaign timeline — a slow baseline, a 60-day peak with
//! evening and weekend sessions, rejections and re-applications, level-1 to
//! level-2 upgrades — written as CSV files the imports accept.
//!
//! Units do not all run the same campaign ([`spread`]): every province,
//! district and commune draws a performance, a response to the peak and a
//! weekend habit from the seed and its code, and a commune's campaign
//! composes its own draws with its parents' — a weak district drags its
//! communes, which still vary inside it. Strong communes meet their target
//! weeks before the deadline and then go quiet, weak ones end near half of
//! it; some surge in the peak and some barely; some hold weekend sessions
//! and some stop at weekends; and one commune in 30 reports nothing for
//! 3–10 days of the peak, then reports what it held on the day after.
//!
//! Targets are 95% (collected) and 85% (activated) of each commune's people
//! eligible at the end of the timeline, with districts and provinces the
//! sums of their communes; the spread comes from the communes' campaigns,
//! not from their targets.
//!
//! | file           | docs/formats.md |
//! |----------------|-----------------|
//! | `villages.csv` | units           |
//! | `citizens.csv` | citizens        |
//! | `events.csv`   | events          |
//! | `status.csv`   | status snapshot |
//! | `targets.csv`  | targets         |
//! | `contacts.csv` | contacts        |
//! | `teams.csv`    | teams           |
//! | `sessions.csv` | sessions        |
//! | `visits.csv`   | visits          |
//!
//! `status.csv` is the national system's view at the end of the timeline:
//! the current application of each citizen and level, without rejections.
//! Import `events.csv` *or* `status.csv` into one database, not both.

mod field;
mod names;
mod people;
pub mod spread;
mod timeline;
mod write;

use std::fmt;
use std::path::{Path, PathBuf};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use phuxanh_domain::{Day, EventKind, UnitCode, UnitLevel, citizen::eligible_from};
use phuxanh_store::Unit;

use timeline::{Calendar, GenEvent};

/// The campaign's calendar.
#[derive(Clone, Copy, Debug)]
pub struct Timeline {
    pub start: Day,
    pub peak_start: Day,
    pub peak_days: u32,
    pub end: Day,
    /// The deadline of the generated targets.
    pub deadline: Day,
}

impl Default for Timeline {
    /// 2023: the "60 ngày đêm" peak from 20 August to 18 October, targets
    /// due on 15 December, data to the end of the year.
    fn default() -> Timeline {
        let day = |s: &str| s.parse::<Day>().expect("valid constant date");
        Timeline {
            start: day("2023-01-01"),
            peak_start: day("2023-08-20"),
            peak_days: 60,
            end: day("2023-12-31"),
            deadline: day("2023-12-15"),
        }
    }
}

/// What to generate.
pub struct GenConfig {
    /// The built-in units of the chosen set, parents first.
    pub units: Vec<Unit>,
    /// One province's code, or `None` for the whole country.
    pub province: Option<UnitCode>,
    pub citizens: u64,
    pub seed: u64,
    pub timeline: Timeline,
}

/// What was generated.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GenSummary {
    pub villages: u64,
    pub households: u64,
    pub citizens: u64,
    pub events: u64,
    pub status_rows: u64,
    pub targets: u64,
    pub contacts: u64,
    pub teams: u64,
    pub sessions: u64,
    pub visits: u64,
    pub files: Vec<PathBuf>,
}

/// Why nothing could be generated.
#[derive(Debug)]
pub enum GenError {
    UnknownProvince(UnitCode),
    NoCitizens,
    BadTimeline(String),
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl fmt::Display for GenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GenError::UnknownProvince(c) => write!(
                f,
                "'{c}' is not a province of the chosen unit set (see `phuxanh units list`)"
            ),
            GenError::NoCitizens => write!(f, "ask for at least one citizen"),
            GenError::BadTimeline(why) => write!(f, "the timeline is not usable: {why}"),
            GenError::Io { path, source } => write!(f, "cannot write {}: {source}", path.display()),
        }
    }
}

impl std::error::Error for GenError {}

/// A commune that receives citizens, with its place in the tree.
struct Commune<'a> {
    unit: &'a Unit,
    province: &'a UnitCode,
    district: Option<&'a UnitCode>,
    citizens: u64,
    /// How its campaign goes: see [`spread`].
    profile: spread::Profile,
}

fn communes_of<'a>(cfg: &'a GenConfig) -> Result<Vec<Commune<'a>>, GenError> {
    use std::collections::HashMap;
    let by_code: HashMap<&UnitCode, &Unit> = cfg.units.iter().map(|u| (&u.code, u)).collect();
    if let Some(p) = &cfg.province
        && by_code
            .get(p)
            .is_none_or(|u| u.level != UnitLevel::Province)
    {
        return Err(GenError::UnknownProvince(p.clone()));
    }
    let mut out = Vec::new();
    for u in cfg.units.iter().filter(|u| u.level == UnitLevel::Commune) {
        let Some(parent) = u.parent.as_ref().and_then(|p| by_code.get(p)) else {
            continue;
        };
        let (province, district) = match parent.level {
            UnitLevel::Province => (&parent.code, None),
            _ => match parent.parent.as_ref() {
                Some(p) => (p, Some(&parent.code)),
                None => continue,
            },
        };
        if cfg.province.as_ref().is_none_or(|p| p == province) {
            out.push(Commune {
                unit: u,
                province,
                district,
                citizens: 0,
                profile: spread::profile(cfg.seed, province, district, &u.code),
            });
        }
    }
    Ok(out)
}

/// Spreads `total` citizens over the communes with uneven weights, exactly.
fn spread_citizens(rng: &mut impl Rng, communes: &mut [Commune<'_>], total: u64) {
    let weights: Vec<f64> = communes
        .iter()
        .map(|_| (rng.random_range(-0.8f64..0.8)).exp())
        .collect();
    let sum: f64 = weights.iter().sum();
    let mut given = 0;
    for (c, w) in communes.iter_mut().zip(&weights) {
        c.citizens = (total as f64 * w / sum).floor() as u64;
        given += c.citizens;
    }
    let n = communes.len() as u64;
    for i in 0..(total - given) {
        communes[(i % n) as usize].citizens += 1;
    }
}

/// Gives each province's chosen communes their data gap.
fn place_gaps(seed: u64, communes: &mut [Commune<'_>], t: &Timeline) {
    use std::collections::BTreeMap;
    let mut by_province: BTreeMap<&UnitCode, Vec<usize>> = BTreeMap::new();
    for (i, c) in communes.iter().enumerate() {
        if c.citizens > 0 {
            by_province.entry(c.province).or_default().push(i);
        }
    }
    let gaps: Vec<_> = by_province
        .into_iter()
        .flat_map(|(p, list)| spread::gaps(seed, p, &list, t))
        .collect();
    for (i, first, days) in gaps {
        communes[i].profile.gap = Some((first, days));
    }
}

/// Generates the campaign into `out_dir`.
pub fn generate(cfg: &GenConfig, out_dir: &Path) -> Result<GenSummary, GenError> {
    let t = &cfg.timeline;
    if cfg.citizens == 0 {
        return Err(GenError::NoCitizens);
    }
    if !(t.start < t.peak_start && t.peak_start < t.end && t.peak_days > 0) {
        return Err(GenError::BadTimeline(
            "it needs start < peak_start < end and a peak of at least a day".into(),
        ));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
    let mut communes = communes_of(cfg)?;
    spread_citizens(&mut rng, &mut communes, cfg.citizens);
    place_gaps(cfg.seed, &mut communes, t);
    let calendar = Calendar::new(t);
    let mut files = write::Files::create(out_dir)?;
    let mut summary = GenSummary::default();
    let mut events: Vec<GenEvent> = Vec::new();
    let mut issuer = people::IdIssuer::default();
    let mut eligible_at_end: Vec<u64> = Vec::with_capacity(communes.len());
    let mut candidates: Vec<field::Candidate> = Vec::new();

    for (index, commune) in communes.iter().enumerate() {
        let local = timeline::Local::new(&calendar, &commune.profile);
        let home = people::home_birth_province(commune.province.as_str().parse().unwrap_or(1));
        let villages = write::village_names(commune.unit, commune.citizens);
        for (code, name) in &villages {
            files.village(code, name, &commune.unit.code)?;
        }
        summary.villages += villages.len() as u64;
        let mut eligible = 0;
        let mut left = commune.citizens;
        let mut household_no = 0;
        while left > 0 {
            household_no += 1;
            let (village, village_name) = &villages[household_no % villages.len()];
            let household = format!("{village}-H{household_no:04}");
            let address = format!(
                "Số {}, {village_name}, {}",
                rng.random_range(1..300),
                commune.unit.name
            );
            let family = names::family_name(&mut rng);
            let size = (people::household_size(&mut rng) as u64).min(left);
            for member in 0..size {
                let sex = people::draw_sex(&mut rng);
                let family = if member == 1 && rng.random_bool(0.6) {
                    names::family_name(&mut rng) // a spouse keeps their own name
                } else {
                    family
                };
                let birth = people::draw_birth_date(&mut rng, t.end);
                let id = issuer.issue(&mut rng, home, sex, birth);
                let name = names::full_name(&mut rng, family, sex);
                let phone = rng.random_bool(0.7).then(|| {
                    format!(
                        "0{}{:08}",
                        [9, 3, 8][rng.random_range(0..3)],
                        rng.random_range(0..100_000_000u32)
                    )
                });
                files.citizen(
                    &id,
                    &name,
                    birth,
                    sex,
                    village,
                    &household,
                    &address,
                    phone.as_deref(),
                )?;
                let from = eligible_from(birth, 14);
                if from <= t.end {
                    eligible += 1;
                }
                // The very old apply less often.
                let propensity = if birth.plus_years(80) <= t.end {
                    commune.profile.reach * 0.7
                } else {
                    commune.profile.reach
                };
                let path = timeline::Path {
                    local: &local,
                    citizen: id.as_u64(),
                    commune: index as u32,
                };
                let before = events.len();
                let applies = from <= t.end && rng.random_bool(propensity);
                path.generate(&mut rng, from, applies, &mut events);
                summary.status_rows += files.status(&events[before..])?;
                let first = |kind| events[before..].iter().find(|e| e.kind == kind);
                let need = match (first(EventKind::Collected), first(EventKind::Activated)) {
                    (None, _) if from <= t.end => Some(field::Need::NotApplied {
                        from,
                        old: birth.plus_years(80) <= t.end,
                    }),
                    (Some(c), None) => Some(field::Need::NotActivated {
                        applied: Day::from_number((c.at / timeline::MINUTES_A_DAY) as i32),
                    }),
                    _ => None,
                };
                if let Some(need) = need {
                    candidates.push(field::Candidate {
                        citizen: id.as_u64(),
                        commune: index as u32,
                        need,
                    });
                }
            }
            summary.citizens += size;
            summary.households += 1;
            left -= size;
        }
        eligible_at_end.push(eligible);
    }

    events.sort_by_key(|e| e.at);
    for (n, e) in events.iter().enumerate() {
        files.event(n + 1, e, &communes[e.commune as usize].unit.code)?;
    }
    summary.events = events.len() as u64;
    summary.targets = write::targets(
        &mut files,
        &communes_targets(&communes, &eligible_at_end),
        t.deadline,
    )?;
    summary.contacts = contacts(cfg, &communes, &mut files)?;
    let field = field::write(
        cfg.seed,
        &calendar,
        &communes,
        &events,
        &candidates,
        &mut files,
    )?;
    (summary.teams, summary.sessions, summary.visits) = (field.teams, field.sessions, field.visits);
    summary.files = files.finish()?;
    Ok(summary)
}

/// A police chief for each commune with citizens and for its district and
/// province, from a generator of their own so that adding them changed
/// no citizen or event of a seed.
fn contacts(
    cfg: &GenConfig,
    communes: &[Commune<'_>],
    files: &mut write::Files,
) -> Result<u64, GenError> {
    let mut named = std::collections::HashSet::new();
    for c in communes.iter().filter(|c| c.citizens > 0) {
        named.extend([c.province, &c.unit.code]);
        named.extend(c.district);
    }
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed ^ 0x0c0_47ac);
    let mut rows = 0;
    for unit in cfg.units.iter().filter(|u| named.contains(&u.code)) {
        write::contact(files, &mut rng, unit)?;
        rows += 1;
    }
    Ok(rows)
}

/// Each commune with citizens, its parents and its eligible people at the end.
fn communes_targets<'a>(
    communes: &'a [Commune<'a>],
    eligible: &[u64],
) -> Vec<write::TargetBase<'a>> {
    communes
        .iter()
        .zip(eligible)
        .filter(|(c, _)| c.citizens > 0)
        .map(|(c, &e)| write::TargetBase {
            commune: &c.unit.code,
            district: c.district,
            province: c.province,
            eligible: e,
        })
        .collect()
}
