//! The generator on a small Bến Tre (vn-2024, province 83): deterministic,
//! every row accepted by the real parsers, every citizen's events in
//! lifecycle order, a campaign with the shape of 2023, targets that add up.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use phuxanh_domain::{Day, EventKind, Instant, Level, UnitCode, lifecycle};
use phuxanh_gen::{GenConfig, Timeline, generate};
use phuxanh_ingest::{
    FileKind, parse_citizen, parse_contact, parse_event, parse_status, parse_target, parse_unit,
    read,
};
use phuxanh_units::UnitSet;

const CITIZENS: u64 = 20_000;

fn config(seed: u64) -> GenConfig {
    GenConfig {
        units: UnitSet::Vn2024.units(),
        province: Some(UnitCode::parse("83").unwrap()),
        citizens: CITIZENS,
        seed,
        timeline: Timeline::default(),
    }
}

fn today() -> Day {
    "2026-01-01".parse().unwrap()
}

fn all<T: Send + 'static>(
    path: &Path,
    kind: FileKind,
    parse: fn(&phuxanh_ingest::Record<'_>, Day) -> Result<T, String>,
) -> Vec<T> {
    read(path, kind, parse, today())
        .unwrap()
        .map(|row| {
            row.value
                .unwrap_or_else(|e| panic!("{}:{}: {e}", path.display(), row.line))
        })
        .collect()
}

#[test]
fn the_same_seed_gives_the_same_files() {
    let (a, b, c) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let sa = generate(&config(7), a.path()).unwrap();
    generate(&config(7), b.path()).unwrap();
    generate(&config(8), c.path()).unwrap();
    for name in [
        "villages.csv",
        "citizens.csv",
        "events.csv",
        "status.csv",
        "targets.csv",
        "contacts.csv",
        "teams.csv",
        "sessions.csv",
        "visits.csv",
    ] {
        let fa = std::fs::read(a.path().join(name)).unwrap();
        assert_eq!(fa, std::fs::read(b.path().join(name)).unwrap(), "{name}");
        if name != "villages.csv" {
            assert_ne!(fa, std::fs::read(c.path().join(name)).unwrap(), "{name}");
        }
    }
    assert_eq!(sa.citizens, CITIZENS);
    assert_eq!(sa.files.len(), 9);
}

#[test]
fn every_row_parses_and_every_life_is_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let summary = generate(&config(1), dir.path()).unwrap();
    let d = dir.path();
    let villages = all(&d.join("villages.csv"), FileKind::Units, parse_unit);
    assert_eq!(villages.len() as u64, summary.villages);
    assert!(villages.iter().all(|v| v.code.gso_level().is_none()));
    let citizens = all(&d.join("citizens.csv"), FileKind::Citizens, parse_citizen);
    assert_eq!(citizens.len() as u64, CITIZENS);
    let ids: HashSet<_> = citizens.iter().map(|c| c.id).collect();
    assert_eq!(ids.len(), citizens.len(), "IDs are unique");
    let households: HashSet<_> = citizens.iter().map(|c| c.household_id.clone()).collect();
    assert_eq!(households.len() as u64, summary.households);

    let events: Vec<_> = all(&d.join("events.csv"), FileKind::Events, parse_event)
        .into_iter()
        .flatten()
        .collect();
    assert_eq!(events.len() as u64, summary.events);
    let event_ids: HashSet<_> = events.iter().map(|e| e.id.clone()).collect();
    assert_eq!(event_ids.len(), events.len(), "event ids are unique");
    let end = Instant::start_of(Timeline::default().end.plus_days(1));
    assert!(
        events
            .iter()
            .all(|e| e.at < end && ids.contains(&e.citizen))
    );
    assert!(
        events.windows(2).all(|w| w[0].at <= w[1].at),
        "sorted by time"
    );
    let mut lives: HashMap<_, Vec<_>> = HashMap::new();
    for e in &events {
        lives
            .entry((e.citizen, e.level))
            .or_default()
            .push((e.at, e.kind));
    }
    for ((citizen, level), mut life) in lives {
        lifecycle::replay(&mut life).unwrap_or_else(|e| panic!("{citizen} level {level}: {e:?}"));
    }
    assert!(
        events
            .iter()
            .any(|e| e.kind == EventKind::Rejected && e.reason.is_some())
    );

    let status = all(&d.join("status.csv"), FileKind::Status, parse_status);
    assert_eq!(status.len() as u64, summary.status_rows);
    let targets = all(&d.join("targets.csv"), FileKind::Targets, parse_target);
    assert_eq!(targets.len() as u64, summary.targets);
    // A police chief for every unit with a target: the province, its
    // districts and its communes.
    let contacts = all(&d.join("contacts.csv"), FileKind::Contacts, parse_contact);
    assert_eq!(contacts.len() as u64, summary.contacts);
    let with_targets: HashSet<_> = targets.iter().map(|t| t.unit.clone()).collect();
    let with_contacts: HashSet<_> = contacts.iter().map(|c| c.unit.clone()).collect();
    assert_eq!(with_contacts, with_targets);
    assert!(
        contacts
            .iter()
            .any(|c| c.title.as_str() == "Giám đốc Công an tỉnh")
    );
    assert!(
        contacts
            .iter()
            .any(|c| c.title.as_str() == "Trưởng Công an xã")
    );
}

#[test]
fn the_campaign_has_the_shape_of_2023() {
    let dir = tempfile::tempdir().unwrap();
    generate(&config(2), dir.path()).unwrap();
    let t = Timeline::default();
    let events: Vec<_> = all(
        &dir.path().join("events.csv"),
        FileKind::Events,
        parse_event,
    )
    .into_iter()
    .flatten()
    .collect();
    // First collection per citizen, by day.
    let mut first: HashMap<_, Day> = HashMap::new();
    for e in events.iter().filter(|e| e.kind == EventKind::Collected) {
        let d = e.at.day();
        first
            .entry(e.citizen)
            .and_modify(|f| *f = (*f).min(d))
            .or_insert(d);
    }
    let mut per_day: BTreeMap<Day, u64> = BTreeMap::new();
    for d in first.values() {
        *per_day.entry(*d).or_default() += 1;
    }
    let peak_end = t.peak_start.plus_days(t.peak_days as i32 - 1);
    let mean = |from: Day, to: Day, keep: &dyn Fn(Day) -> bool| {
        let days: Vec<Day> = (0..=to.days_since(from))
            .map(|i| from.plus_days(i))
            .filter(|d| keep(*d))
            .collect();
        days.iter()
            .map(|d| per_day.get(d).copied().unwrap_or(0))
            .sum::<u64>() as f64
            / days.len() as f64
    };
    let baseline = mean(t.start, t.peak_start.plus_days(-1), &|_| true);
    let peak = mean(t.peak_start, peak_end, &|_| true);
    assert!(
        peak >= 3.0 * baseline,
        "peak {peak:.1}/day vs baseline {baseline:.1}/day"
    );
    // Most districts hold weekend sessions in the peak (a weekend day 1.4
    // weekdays on average over the habits; see phuxanh_gen::spread).
    let weekend = mean(t.peak_start, peak_end, &|d| d.is_weekend());
    let weekday = mean(t.peak_start, peak_end, &|d| !d.is_weekend());
    assert!(
        weekend > weekday,
        "weekend {weekend:.1} vs weekday {weekday:.1}"
    );

    // Evenings are busy during the peak.
    let peak_events: Vec<_> = events
        .iter()
        .filter(|e| {
            e.kind == EventKind::Collected && (t.peak_start..=peak_end).contains(&e.at.day())
        })
        .collect();
    let evening = peak_events
        .iter()
        .filter(|e| e.at.to_rfc3339()[11..13].parse::<u32>().unwrap() >= 18)
        .count();
    let share = evening as f64 / peak_events.len() as f64;
    assert!((0.3..0.5).contains(&share), "evening share {share:.2}");

    // Most eligible citizens have applied by the end.
    let citizens = all(
        &dir.path().join("citizens.csv"),
        FileKind::Citizens,
        parse_citizen,
    );
    let eligible = citizens
        .iter()
        .filter(|c| c.birth_date.plus_years(14) <= t.end)
        .count();
    let collected = first.len();
    let ratio = collected as f64 / eligible as f64;
    assert!(
        (0.80..0.97).contains(&ratio),
        "collected {ratio:.3} of eligible"
    );
    // Both levels appear, and level-1 accounts are upgraded.
    let l2 = events
        .iter()
        .filter(|e| e.kind == EventKind::Collected && e.level == Level::Two)
        .count();
    assert!(
        l2 > events
            .iter()
            .filter(|e| e.kind == EventKind::Collected)
            .count()
            / 2
    );
}

#[test]
fn targets_of_children_add_up_to_their_parent() {
    let dir = tempfile::tempdir().unwrap();
    generate(&config(3), dir.path()).unwrap();
    let units: HashMap<UnitCode, Option<UnitCode>> = UnitSet::Vn2024
        .units()
        .into_iter()
        .map(|u| (u.code, u.parent))
        .collect();
    let targets = all(
        &dir.path().join("targets.csv"),
        FileKind::Targets,
        parse_target,
    );
    for metric in ["collected", "activated"] {
        let of: BTreeMap<&UnitCode, i64> = targets
            .iter()
            .filter(|t| t.metric.to_string() == metric)
            .map(|t| match t.value {
                phuxanh_domain::TargetValue::Absolute(n) => (&t.unit, n),
                other => panic!("percentage target {other}"),
            })
            .collect();
        let mut sums: BTreeMap<&UnitCode, i64> = BTreeMap::new();
        for (unit, value) in &of {
            if let Some(Some(parent)) = units.get(*unit) {
                *sums.entry(parent).or_default() += value;
            }
        }
        assert!(!sums.is_empty());
        for (parent, sum) in sums {
            assert_eq!(of.get(parent), Some(&sum), "{metric} of {parent}");
        }
    }
}

#[test]
fn unknown_provinces_are_refused() {
    let mut cfg = config(1);
    cfg.province = Some(UnitCode::parse("99").unwrap());
    let err = generate(&cfg, tempfile::tempdir().unwrap().path()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "'99' is not a province of the chosen unit set (see `phuxanh units list`)"
    );
}

#[test]
fn the_whole_country_in_2025_units_has_unique_valid_ids() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = GenConfig {
        units: UnitSet::Vn2025.units(),
        province: None,
        citizens: 30_000,
        seed: 4,
        timeline: Timeline::default(),
    };
    generate(&cfg, dir.path()).unwrap();
    let citizens = all(
        &dir.path().join("citizens.csv"),
        FileKind::Citizens,
        parse_citizen,
    );
    let ids: HashSet<_> = citizens.iter().map(|c| c.id).collect();
    assert_eq!(ids.len(), 30_000);
    let provinces: HashSet<_> = citizens.iter().map(|c| &c.unit.as_str()[..2]).collect();
    assert!(
        provinces.len() > 30,
        "citizens in {} provinces",
        provinces.len()
    );
}

#[test]
fn the_field_files_parse_and_hang_together() {
    let dir = tempfile::tempdir().unwrap();
    let summary = generate(&config(1), dir.path()).unwrap();
    let d = dir.path();
    let teams = all(
        &d.join("teams.csv"),
        FileKind::Teams,
        phuxanh_ingest::parse_team,
    );
    let sessions = all(
        &d.join("sessions.csv"),
        FileKind::Sessions,
        phuxanh_ingest::parse_session,
    );
    let visits = all(
        &d.join("visits.csv"),
        FileKind::Visits,
        phuxanh_ingest::parse_visit,
    );
    assert_eq!(
        (
            teams.len() as u64,
            sessions.len() as u64,
            visits.len() as u64
        ),
        (summary.teams, summary.sessions, summary.visits)
    );
    assert!(summary.visits > 0 && summary.sessions > 0);
    // Every session is of a known team and within the 60-day peak; every
    // visit of a known session, timed inside it, and of a citizen on the roster.
    let team_codes: HashSet<_> = teams.iter().map(|t| t.code.clone()).collect();
    let t = Timeline::default();
    let peak_end = t.peak_start.plus_days(t.peak_days as i32 - 1);
    let mut by_code = HashMap::new();
    for s in &sessions {
        assert!(team_codes.contains(&s.team), "{s:?}");
        assert!(
            (t.peak_start..=peak_end).contains(&s.times.start.day()),
            "{s:?}"
        );
        by_code.insert(s.code.clone(), s);
    }
    let citizens: HashSet<_> = all(&d.join("citizens.csv"), FileKind::Citizens, parse_citizen)
        .into_iter()
        .map(|c| c.id)
        .collect();
    let mut outcomes = HashSet::new();
    for v in &visits {
        let s = by_code[v.session.as_ref().unwrap()];
        assert!(s.times.contains(v.at, 0), "{v:?} outside {s:?}");
        assert_eq!(v.team.as_ref(), Some(&s.team));
        assert!(citizens.contains(&v.citizen));
        outcomes.insert(v.outcome);
    }
    assert!(outcomes.len() >= 5, "{outcomes:?}");
    // The events of the peak name known teams and sessions.
    let events = all(&d.join("events.csv"), FileKind::Events, parse_event);
    let in_peak = events
        .iter()
        .flatten()
        .filter(|e| (t.peak_start..=peak_end).contains(&e.at.day()));
    let mut n = 0;
    for e in in_peak {
        n += 1;
        let team = e.team_id.as_deref().unwrap();
        assert!(team_codes.iter().any(|c| c.as_str() == team), "{e:?}");
        let session = e.session_id.as_deref().unwrap();
        assert!(by_code.keys().any(|c| c.as_str() == session), "{e:?}");
    }
    assert!(n > 0);
}
