//! The ledger's story, told through the `Store` trait against SQLite:
//! imports that refuse with reasons and leave nothing behind, re-imports that
//! change nothing, late events, moves between units, and counters that
//! always equal a recomputation from the raw events.

use phuxanh_domain::{
    Citizen, CitizenId, Day, Event, EventId, EventKind, Instant, Level, Metric, Sex, Transition,
    UnitCode, UnitLevel,
};
use phuxanh_store::{ImportMode, ImportReport, Row, Scope, Store, StoreError, Unit};
use phuxanh_store_sqlite::SqliteStore;

fn code(s: &str) -> UnitCode {
    UnitCode::parse(s).unwrap()
}

fn day(s: &str) -> Day {
    s.parse().unwrap()
}

fn unit(c: &str, name: &str, level: UnitLevel, parent: Option<&str>) -> Unit {
    Unit {
        code: code(c),
        name: name.into(),
        level,
        parent: parent.map(code),
    }
}

/// Bến Tre with two districts, three communes and a village.
fn fixture() -> SqliteStore {
    fixture_in(SqliteStore::in_memory().unwrap())
}

/// The fixture's units in `store`.
fn fixture_in(mut store: SqliteStore) -> SqliteStore {
    let units = vec![
        unit("83", "Tỉnh Bến Tre", UnitLevel::Province, None),
        unit("831", "Huyện Thạnh Phú", UnitLevel::District, Some("83")),
        unit("832", "Huyện Ba Tri", UnitLevel::District, Some("83")),
        unit("28756", "Xã An Thạnh", UnitLevel::Commune, Some("831")),
        unit("28759", "Xã An Điền", UnitLevel::Commune, Some("831")),
        unit("28800", "Thị trấn Ba Tri", UnitLevel::Commune, Some("832")),
    ];
    store.init(&units, 14).unwrap();
    let mut villages = rows(vec![Ok(unit(
        "28756-T01",
        "Thôn 1",
        UnitLevel::Village,
        Some("28756"),
    ))]);
    let r = store
        .import_units(&Scope::everything(), &mut villages, ImportMode::Atomic)
        .unwrap();
    assert_eq!(r.applied, 1);
    store
}

fn rows<T>(values: Vec<Result<T, String>>) -> impl Iterator<Item = Row<T>> {
    values.into_iter().enumerate().map(|(i, value)| Row {
        line: i as u64 + 2,
        value,
    })
}

fn citizen(id: &str, birth: &str, sex: Sex, unit: &str) -> Citizen {
    Citizen::new(
        CitizenId::parse(id).unwrap(),
        "Nguyễn Văn An",
        day(birth),
        sex,
        code(unit),
        None,
        None,
        None,
        day("2026-01-01"),
    )
    .unwrap()
}

fn roster() -> Vec<Citizen> {
    vec![
        citizen("083085000001", "1985-03-14", Sex::Male, "28756-T01"),
        citizen("083190000002", "1990-07-01", Sex::Female, "28756"),
        citizen("083201000003", "2001-01-01", Sex::Male, "28759"),
        citizen("083309000004", "2009-09-30", Sex::Female, "28800"), // turns 14 on 2023-09-30
    ]
}

fn import_citizens(store: &mut SqliteStore, cs: Vec<Citizen>, mode: ImportMode) -> ImportReport {
    let mut r = rows(cs.into_iter().map(Ok).collect());
    store
        .import_citizens(&Scope::everything(), &mut r, mode)
        .unwrap()
}

fn ev(id: &str, citizen: &str, kind: EventKind, level: u8, at: &str) -> Event {
    let mut e = Event::new(
        EventId::parse(id).unwrap(),
        CitizenId::parse(citizen).unwrap(),
        kind,
        Level::from_number(level).unwrap(),
        at.parse().unwrap(),
    );
    if kind == EventKind::Rejected {
        e.reason = Some("Ảnh không đạt".into());
    }
    e
}

fn now() -> Instant {
    "2024-01-01 00:00".parse().unwrap()
}

fn import_events(store: &mut SqliteStore, events: Vec<Event>, mode: ImportMode) -> ImportReport {
    let mut r = rows(events.into_iter().map(|e| Ok(vec![e])).collect());
    store
        .import_events(&Scope::everything(), &mut r, mode, now(), "test")
        .unwrap()
}

fn count(store: &SqliteStore, unit: &str, as_of: &str, m: Metric) -> i64 {
    store
        .figures(&Scope::everything(), &code(unit), day(as_of))
        .unwrap()
        .counts[m]
}

fn assert_consistent(store: &mut SqliteStore) {
    let report = store.check(false).unwrap();
    assert!(report.is_clean(), "{report:#?}");
}

#[test]
fn roster_counts_eligible_citizens_from_their_fourteenth_birthday() {
    let mut store = fixture();
    let r = import_citizens(&mut store, roster(), ImportMode::Atomic);
    assert_eq!((r.read, r.applied, r.unchanged), (4, 4, 0));
    assert!(r.committed);
    assert_eq!(count(&store, "83", "2023-09-29", Metric::Eligible), 3);
    assert_eq!(count(&store, "83", "2023-09-30", Metric::Eligible), 4);
    assert_eq!(count(&store, "831", "2023-09-30", Metric::Eligible), 3);
    assert_eq!(count(&store, "28756", "2023-09-30", Metric::Eligible), 2);
    assert_eq!(
        count(&store, "28756-T01", "2023-09-30", Metric::Eligible),
        1
    );
    assert_eq!(count(&store, "28800", "2023-09-29", Metric::Eligible), 0);
    assert_consistent(&mut store);
}

#[test]
fn reimporting_the_roster_changes_nothing() {
    let mut store = fixture();
    import_citizens(&mut store, roster(), ImportMode::Atomic);
    let r = import_citizens(&mut store, roster(), ImportMode::Atomic);
    assert_eq!((r.read, r.applied, r.unchanged), (4, 0, 4));
    assert_eq!(count(&store, "83", "2023-12-31", Metric::Eligible), 4);
    assert_consistent(&mut store);
}

#[test]
fn a_refused_atomic_import_leaves_the_database_unchanged() {
    let mut store = fixture();
    import_citizens(&mut store, roster()[..2].to_vec(), ImportMode::Atomic);
    let mut bad = roster();
    bad.push(citizen("083085000099", "1985-01-01", Sex::Male, "99999"));
    let mut r = rows(
        bad.into_iter()
            .map(Ok)
            .chain([Err(
                "id: ID '123' is not a 12-digit personal identification number".into(),
            )])
            .collect(),
    );
    let report = store
        .import_citizens(&Scope::everything(), &mut r, ImportMode::Atomic)
        .unwrap();
    assert!(!report.committed);
    assert_eq!(report.applied, 0);
    let reasons: Vec<_> = report
        .refused
        .iter()
        .map(|r| (r.line, r.reason.as_str()))
        .collect();
    assert_eq!(
        reasons,
        vec![
            (
                6,
                "unknown unit '99999': import it first (`phuxanh units import`)"
            ),
            (
                7,
                "id: ID '123' is not a 12-digit personal identification number"
            ),
        ]
    );
    assert_eq!(count(&store, "83", "2023-12-31", Metric::Eligible), 2);
    assert_consistent(&mut store);
}

#[test]
fn skip_invalid_applies_the_valid_rows() {
    let mut store = fixture();
    let mut cs = roster();
    cs.push(citizen("083085000099", "1985-01-01", Sex::Male, "831"));
    let report = import_citizens(&mut store, cs, ImportMode::SkipInvalid);
    assert!(report.committed);
    assert_eq!(report.applied, 4);
    assert_eq!(report.refused.len(), 1);
    assert!(
        report.refused[0].reason.contains("is a district"),
        "{:?}",
        report.refused
    );
    assert_eq!(count(&store, "83", "2023-12-31", Metric::Eligible), 4);
}

#[test]
fn duplicate_citizens_in_one_file_are_refused() {
    let mut store = fixture();
    let mut cs = roster();
    cs.push(roster()[0].clone());
    let report = import_citizens(&mut store, cs, ImportMode::Atomic);
    assert_eq!(report.refused.len(), 1);
    assert_eq!(
        report.refused[0].reason,
        "citizen 083085000001 appears twice in this file (first at line 2)"
    );
}

fn campaign() -> Vec<Event> {
    use EventKind::*;
    vec![
        ev("e1", "083085000001", Collected, 2, "2023-08-20 19:30"),
        ev("e2", "083085000001", Approved, 2, "2023-08-22 09:00"),
        ev("e3", "083085000001", Activated, 2, "2023-08-25 10:00"),
        ev("e4", "083085000001", Used, 2, "2023-09-01 08:00"),
        ev("e5", "083190000002", Collected, 1, "2023-08-21 08:00"),
        ev("e6", "083190000002", Rejected, 1, "2023-08-22 08:00"),
        ev("e7", "083190000002", Collected, 1, "2023-08-30 08:00"),
        ev("e8", "083190000002", Approved, 1, "2023-08-31 08:00"),
        ev("e9", "083201000003", Collected, 1, "2023-09-10 20:00"),
    ]
}

#[test]
fn imports_leave_the_database_in_wal_mode_alone_or_not() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.db");
    let journal_mode = || -> String {
        rusqlite::Connection::open(&path)
            .unwrap()
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap()
    };
    let mut store = fixture_in(SqliteStore::open(&path).unwrap());
    // Alone: the import may switch to a rollback journal, and switches back.
    let mut first = roster();
    let rest = first.split_off(2);
    let r = import_citizens(&mut store, first, ImportMode::Atomic);
    assert_eq!(r.applied, 2);
    assert_eq!(journal_mode(), "wal");
    // With a reader in the middle of a snapshot (the server's case) the
    // switch is refused; the import goes through the WAL and the reader
    // keeps its view.
    let reader = SqliteStore::open(&path).unwrap();
    reader.begin_snapshot().unwrap();
    let before = count(&reader, "83", "2030-01-01", Metric::Eligible);
    let r = import_citizens(&mut store, rest, ImportMode::Atomic);
    assert!(r.committed && r.applied > 0, "{r:?}");
    assert_eq!(count(&reader, "83", "2030-01-01", Metric::Eligible), before);
    reader.end_snapshot().unwrap();
    assert!(count(&reader, "83", "2030-01-01", Metric::Eligible) > before);
    assert_eq!(journal_mode(), "wal");
    // Events go the same way. A reader that has begun a read transaction
    // but not read yet does not hold the import for the busy timeout.
    let events = campaign();
    let (early, late) = events.split_at(4);
    reader.begin_snapshot().unwrap();
    let started = std::time::Instant::now();
    let r = import_events(&mut store, early.to_vec(), ImportMode::Atomic);
    assert!(r.committed && r.applied == 4, "{r:?}");
    let took = started.elapsed();
    assert!(took < std::time::Duration::from_secs(2), "{took:?}");
    reader.end_snapshot().unwrap();
    drop(reader);
    let r = import_events(&mut store, late.to_vec(), ImportMode::Atomic);
    assert!(r.committed && r.applied == 5, "{r:?}");
    assert_eq!(journal_mode(), "wal");
    assert_eq!(count(&store, "83", "2030-01-01", Metric::Collected), 3);
    assert_consistent(&mut store);
}

#[test]
fn a_read_snapshot_sees_one_committed_state() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("snapshot.db");
    let mut writer = fixture_in(SqliteStore::open(&path).unwrap());
    import_citizens(&mut writer, roster(), ImportMode::Atomic);
    let reader = SqliteStore::open(&path).unwrap();
    let events = campaign();
    let (first, rest) = events.split_at(1);
    import_events(&mut writer, first.to_vec(), ImportMode::Atomic);
    reader.begin_snapshot().unwrap();
    assert_eq!(count(&reader, "83", "2023-12-31", Metric::Collected), 1);
    // A write committed meanwhile is not seen inside the snapshot…
    let r = import_events(&mut writer, rest.to_vec(), ImportMode::Atomic);
    assert!(r.committed, "{:?}", r.refused);
    assert_eq!(count(&writer, "83", "2023-12-31", Metric::Collected), 3);
    assert_eq!(count(&reader, "83", "2023-12-31", Metric::Collected), 1);
    // …and is once it ends.
    reader.end_snapshot().unwrap();
    assert_eq!(count(&reader, "83", "2023-12-31", Metric::Collected), 3);
    // Ending twice is harmless.
    reader.end_snapshot().unwrap();
}

#[test]
fn events_drive_the_counters_as_of_any_day() {
    let mut store = fixture();
    import_citizens(&mut store, roster(), ImportMode::Atomic);
    let r = import_events(&mut store, campaign(), ImportMode::Atomic);
    assert_eq!(
        (r.read, r.applied, r.refused.len()),
        (9, 9, 0),
        "{:?}",
        r.refused
    );
    // The 2nd citizen was collected twice: counted once, from the first day.
    assert_eq!(count(&store, "83", "2023-08-21", Metric::Collected), 2);
    assert_eq!(count(&store, "83", "2023-08-31", Metric::Collected), 2);
    assert_eq!(count(&store, "83", "2023-09-10", Metric::Collected), 3);
    assert_eq!(count(&store, "83", "2023-09-10", Metric::CollectedL2), 1);
    assert_eq!(count(&store, "83", "2023-09-10", Metric::Rejected), 1);
    assert_eq!(count(&store, "83", "2023-09-10", Metric::Approved), 2);
    assert_eq!(count(&store, "83", "2023-08-24", Metric::Activated), 0);
    assert_eq!(count(&store, "83", "2023-08-25", Metric::Activated), 1);
    assert_eq!(count(&store, "83", "2023-08-25", Metric::ActivatedL2), 1);
    assert_eq!(count(&store, "83", "2023-09-01", Metric::Used), 1);
    assert_eq!(count(&store, "832", "2023-09-10", Metric::Collected), 0);
    assert_eq!(count(&store, "28756-T01", "2023-09-10", Metric::Used), 1);
    // 19:30 on 20 August local time counts on the 20th.
    assert_eq!(count(&store, "83", "2023-08-20", Metric::Collected), 1);
    assert_consistent(&mut store);

    let again = import_events(&mut store, campaign(), ImportMode::Atomic);
    assert_eq!((again.applied, again.unchanged), (0, 9));
    assert_consistent(&mut store);
}

#[test]
fn every_refused_event_says_why() {
    use EventKind::*;
    let mut store = fixture();
    import_citizens(&mut store, roster(), ImportMode::Atomic);
    import_events(&mut store, campaign(), ImportMode::Atomic);
    let bad = vec![
        ev("x1", "083085000077", Collected, 1, "2023-09-01 08:00"),
        ev("x2", "083201000003", Activated, 1, "2023-09-11 08:00"),
        ev("e1", "083085000001", Collected, 2, "2023-08-20 19:31"),
        ev("x3", "083201000003", Approved, 1, "2099-01-01 08:00"),
        ev("x4", "083201000003", Approved, 1, "2019-06-01 08:00"),
        ev("x5", "083190000002", Collected, 1, "2023-09-02 08:00"),
    ];
    let report = import_events(&mut store, bad, ImportMode::Atomic);
    let reasons: Vec<String> = report
        .refused
        .iter()
        .map(|r| format!("{}: {}", r.line, r.reason))
        .collect();
    expect_test::expect![[r#"
        [
            "2: unknown citizen 083085000077: import the roster first (`phuxanh citizens import`)",
            "4: event id 'e1' was recorded before with different content (083085000001 collected at level 2 on 2023-08-20T19:30:00+07:00); give a new event its own id",
            "5: 2099-01-01T08:00:00+07:00 is in the future",
            "6: 2019-06-01T08:00:00+07:00 is before 2020-01-01, when Phủ Xanh starts counting",
            "7: out of lifecycle order for citizen 083190000002 at level 1: 'collected' cannot follow an approved application not yet activated (event on 2023-09-02T08:00:00+07:00)",
        ]
    "#]]
    .assert_debug_eq(&reasons);
    // An activation before its approval is not refused: it waits for it.
    let held: Vec<String> = report
        .held
        .iter()
        .map(|h| format!("{}: {}", h.line, h.waiting_for))
        .collect();
    expect_test::expect![[r#"
        [
            "3: waiting for 'approved' at level 1: the 'activated' of 2023-09-11T08:00:00+07:00 needs it first",
        ]
    "#]]
    .assert_debug_eq(&held);
    assert!(!report.committed);
    assert_consistent(&mut store);
}

#[test]
fn a_late_event_moves_the_count_to_its_own_day() {
    use EventKind::*;
    let mut store = fixture();
    import_citizens(&mut store, roster(), ImportMode::Atomic);
    import_events(&mut store, campaign(), ImportMode::Atomic);
    // A level-1 application of the first citizen, received before everything else.
    let late = vec![ev("late", "083085000001", Collected, 1, "2023-08-01 10:00")];
    let r = import_events(&mut store, late, ImportMode::Atomic);
    assert_eq!(r.applied, 1, "{:?}", r.refused);
    assert_eq!(count(&store, "83", "2023-08-01", Metric::Collected), 1);
    assert_eq!(count(&store, "83", "2023-08-19", Metric::Collected), 1);
    assert_eq!(count(&store, "83", "2023-08-20", Metric::Collected), 1);
    assert_eq!(count(&store, "83", "2023-08-21", Metric::Collected), 2);
    assert_eq!(count(&store, "83", "2023-09-10", Metric::Collected), 3);
    assert_eq!(count(&store, "83", "2023-09-10", Metric::CollectedL2), 1);
    assert_consistent(&mut store);
}

#[test]
fn a_citizen_who_moves_takes_their_counts_along() {
    let mut store = fixture();
    import_citizens(&mut store, roster(), ImportMode::Atomic);
    import_events(&mut store, campaign(), ImportMode::Atomic);
    assert_eq!(count(&store, "831", "2023-09-10", Metric::Activated), 1);
    let mut moved = roster()[0].clone();
    moved.unit = code("28800");
    let r = import_citizens(&mut store, vec![moved], ImportMode::Atomic);
    assert_eq!(r.applied, 1);
    assert_eq!(count(&store, "831", "2023-09-10", Metric::Activated), 0);
    assert_eq!(count(&store, "832", "2023-09-10", Metric::Activated), 1);
    assert_eq!(
        count(&store, "28756-T01", "2023-09-10", Metric::Eligible),
        0
    );
    assert_eq!(count(&store, "28800", "2023-09-10", Metric::Eligible), 1);
    assert_eq!(count(&store, "83", "2023-09-10", Metric::Activated), 1);
    assert_consistent(&mut store);
}

#[test]
fn reads_are_scoped() {
    let store = fixture();
    let scope = Scope::subtree(code("831"));
    assert!(
        store
            .figures(&scope, &code("28756"), day("2023-09-01"))
            .is_ok()
    );
    assert!(matches!(
        store.figures(&scope, &code("832"), day("2023-09-01")),
        Err(StoreError::OutOfScope(_))
    ));
    assert!(matches!(
        store.figures(&scope, &code("83"), day("2023-09-01")),
        Err(StoreError::OutOfScope(_))
    ));
    assert!(matches!(
        store.figures(&scope, &code("12345"), day("2023-09-01")),
        Err(StoreError::UnknownUnit(_))
    ));
    assert_eq!(store.roots(&scope).unwrap()[0].code, code("831"));
    // The units above are named (breadcrumbs) from inside the scope only.
    let above: Vec<_> = store
        .ancestors(&scope, &code("28756"))
        .unwrap()
        .into_iter()
        .map(|u| u.code.to_string())
        .collect();
    assert_eq!(above, ["83", "831"]);
    assert!(matches!(
        store.ancestors(&scope, &code("832")),
        Err(StoreError::OutOfScope(_))
    ));
}

#[test]
fn scoped_imports_refuse_rows_outside_the_scope() {
    let mut store = fixture();
    let mut r = rows(roster().into_iter().map(Ok).collect());
    let report = store
        .import_citizens(
            &Scope::subtree(code("831")),
            &mut r,
            ImportMode::SkipInvalid,
        )
        .unwrap();
    assert_eq!(report.applied, 3);
    assert_eq!(
        report.refused[0].reason,
        "unit '28800' is outside your units"
    );
}

#[test]
fn village_codes_must_not_look_like_gso_codes() {
    let mut store = fixture();
    let mut r = rows(vec![
        Ok(unit("28757", "Thôn 2", UnitLevel::Village, Some("28756"))),
        Ok(unit("28756-T02", "Thôn 2", UnitLevel::Village, Some("831"))),
        Ok(unit(
            "28756-T03",
            "Thôn 3",
            UnitLevel::Village,
            Some("nowhere"),
        )),
        Ok(unit(
            "28756-T01",
            "Thôn Một",
            UnitLevel::Village,
            Some("28756"),
        )),
    ]);
    let report = store
        .import_units(&Scope::everything(), &mut r, ImportMode::SkipInvalid)
        .unwrap();
    let reasons: Vec<_> = report.refused.iter().map(|r| r.reason.as_str()).collect();
    assert_eq!(
        reasons,
        vec![
            "code '28757' has the shape of a GSO commune code; give villages codes of their own, such as '28756-T01'",
            "a village cannot sit under a district",
            "parent unit 'nowhere' does not exist",
        ]
    );
    assert_eq!(report.applied, 1);
    let renamed = store
        .unit(&Scope::everything(), &code("28756-T01"))
        .unwrap();
    assert_eq!(renamed.name, "Thôn Một");
}

#[test]
fn init_twice_is_refused() {
    let mut store = fixture();
    assert!(matches!(
        store.init(&[], 14),
        Err(StoreError::AlreadyInitialised)
    ));
}

#[test]
fn an_event_id_taken_by_another_citizen_is_refused_and_leaves_nothing() {
    use EventKind::*;
    let mut store = fixture();
    import_citizens(&mut store, roster(), ImportMode::Atomic);
    import_events(&mut store, campaign(), ImportMode::Atomic);
    // Dung (no events yet) sends a row whose second event reuses "e1".
    let row = vec![
        ev("fresh", "083309000004", Collected, 1, "2023-10-01 08:00"),
        ev("e1", "083309000004", Approved, 1, "2023-10-02 08:00"),
    ];
    let mut r = rows(vec![Ok(row)]);
    let report = store
        .import_events(
            &Scope::everything(),
            &mut r,
            ImportMode::SkipInvalid,
            now(),
            "test",
        )
        .unwrap();
    assert_eq!(report.applied, 0);
    assert_eq!(
        report.refused[0].reason,
        "event id 'e1' was recorded before with different content (083085000001 collected at level 2 on 2023-08-20T19:30:00+07:00); give a new event its own id"
    );
    // The row's first event was taken back: it can be sent again on its own.
    let again = import_events(
        &mut store,
        vec![ev(
            "fresh",
            "083309000004",
            Collected,
            1,
            "2023-10-01 08:00",
        )],
        ImportMode::Atomic,
    );
    assert_eq!(again.applied, 1, "{:?}", again.refused);
    assert_eq!(count(&store, "83", "2023-10-10", Metric::Collected), 4);
    assert_consistent(&mut store);
}

#[test]
fn an_event_id_used_twice_in_one_file_is_refused_the_second_time() {
    use EventKind::*;
    let mut store = fixture();
    import_citizens(&mut store, roster(), ImportMode::Atomic);
    let events = vec![
        ev("x1", "083085000001", Collected, 1, "2023-09-01 08:00"),
        ev("x1", "083190000002", Collected, 1, "2023-09-01 08:00"),
        ev("x2", "083085000001", Approved, 1, "2023-09-02 08:00"),
    ];
    let report = import_events(&mut store, events, ImportMode::SkipInvalid);
    assert_eq!(report.applied, 2);
    assert_eq!(report.refused.len(), 1);
    assert_eq!(report.refused[0].line, 3);
    assert_eq!(
        report.refused[0].reason,
        "event id 'x1' was recorded before with different content (083085000001 collected at level 1 on 2023-09-01T08:00:00+07:00); give a new event its own id"
    );
    assert_eq!(count(&store, "83", "2023-09-30", Metric::Approved), 1);
    assert_consistent(&mut store);
}

/// The events one status-snapshot row implies.
fn snapshot(citizen: &str, level: u8, stages: &[(EventKind, &str)]) -> Vec<Event> {
    let id = CitizenId::parse(citizen).unwrap();
    let level = Level::from_number(level).unwrap();
    stages
        .iter()
        .map(|&(kind, at)| {
            Event::new(
                Event::snapshot_id(id, level, kind),
                id,
                kind,
                level,
                at.parse().unwrap(),
            )
        })
        .collect()
}

#[test]
fn a_later_snapshot_adds_stages_and_may_not_move_recorded_ones() {
    use EventKind::*;
    let mut store = fixture();
    import_citizens(&mut store, roster(), ImportMode::Atomic);
    let import = |store: &mut SqliteStore, rows_: Vec<Vec<Event>>| {
        let mut r = rows(rows_.into_iter().map(Ok).collect());
        store
            .import_events(
                &Scope::everything(),
                &mut r,
                ImportMode::SkipInvalid,
                now(),
                "test",
            )
            .unwrap()
    };
    let first = import(
        &mut store,
        vec![snapshot(
            "083085000001",
            2,
            &[(Collected, "2023-09-01 08:00")],
        )],
    );
    assert_eq!(first.applied, 1);
    // The next export: the same collection, now approved as well; and, for
    // the same citizen at level 1, a row of its own.
    let second = import(
        &mut store,
        vec![
            snapshot(
                "083085000001",
                2,
                &[
                    (Collected, "2023-09-01 08:00"),
                    (Approved, "2023-09-03 08:00"),
                ],
            ),
            snapshot("083085000001", 1, &[(Collected, "2023-09-02 08:00")]),
        ],
    );
    assert_eq!(
        (second.applied, second.unchanged),
        (2, 0),
        "{:?}",
        second.refused
    );
    assert_eq!(count(&store, "83", "2023-09-30", Metric::Approved), 1);
    // An export that moves the recorded collection is refused.
    let moved = import(
        &mut store,
        vec![snapshot(
            "083085000001",
            2,
            &[(Collected, "2023-09-05 08:00")],
        )],
    );
    assert_eq!(moved.applied, 0);
    assert_eq!(
        moved.refused[0].reason,
        "event id 'snapshot:083085000001:2:collected' was recorded before with different content (083085000001 collected at level 2 on 2023-09-01T08:00:00+07:00); give a new event its own id"
    );
    // A citizen counts once, at whichever level they applied first.
    assert_eq!(count(&store, "83", "2023-09-30", Metric::Collected), 1);
    assert_eq!(count(&store, "83", "2023-09-30", Metric::CollectedL2), 1);
    assert_consistent(&mut store);
}

#[test]
fn a_database_with_another_schema_version_is_refused_with_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    SqliteStore::open(&path)
        .unwrap()
        .init(&[unit("83", "Tỉnh Bến Tre", UnitLevel::Province, None)], 14)
        .unwrap();
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute(
            "UPDATE meta SET value = '1' WHERE key = 'schema_version'",
            [],
        )
        .unwrap();
    let Err(err) = SqliteStore::open(&path) else {
        panic!("an old database opened");
    };
    assert!(matches!(err, StoreError::SchemaVersion { .. }), "{err}");
    assert!(err.to_string().contains("phuxanh init"), "{err}");
}

#[test]
fn check_finds_and_repairs_a_damaged_funnel() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.db");
    {
        let mut store = SqliteStore::open(&path).unwrap();
        let units = vec![
            unit("83", "Tỉnh Bến Tre", UnitLevel::Province, None),
            unit("831", "Huyện Thạnh Phú", UnitLevel::District, Some("83")),
            unit("28756", "Xã An Thạnh", UnitLevel::Commune, Some("831")),
            unit("28759", "Xã An Điền", UnitLevel::Commune, Some("831")),
            unit("28800", "Thị trấn Ba Tri", UnitLevel::Commune, Some("831")),
        ];
        store.init(&units, 14).unwrap();
        let mut villages = rows(vec![Ok(unit(
            "28756-T01",
            "Thôn 1",
            UnitLevel::Village,
            Some("28756"),
        ))]);
        store
            .import_units(&Scope::everything(), &mut villages, ImportMode::Atomic)
            .unwrap();
        import_citizens(&mut store, roster(), ImportMode::Atomic);
        import_events(&mut store, campaign(), ImportMode::Atomic);
        assert_consistent(&mut store);
        let steps = store.funnel(&Scope::everything(), &code("83")).unwrap();
        // An: 2 days to approval, 3 to activation, 7 to use; Bình: 10 days
        // from her first application to approval.
        assert_eq!(
            steps,
            [
                (Transition::CollectedToApproved, 2, 1),
                (Transition::CollectedToApproved, 10, 1),
                (Transition::ApprovedToActivated, 3, 1),
                (Transition::ActivatedToUsed, 7, 1),
            ]
        );
    }
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute("UPDATE gaps SET n = n + 1 WHERE days = 10", [])
        .unwrap();
    let mut store = SqliteStore::open(&path).unwrap();
    let report = store.check(false).unwrap();
    assert!(!report.is_clean());
    assert!(report.examples[0].contains("funnel step"), "{report:?}");
    assert!(store.check(true).unwrap().repaired);
    assert_consistent(&mut store);
}

#[test]
fn a_later_roster_adds_new_citizens_beside_those_already_there() {
    let mut store = fixture();
    let all = roster();
    import_citizens(&mut store, all[..2].to_vec(), ImportMode::Atomic);
    let r = import_citizens(&mut store, all, ImportMode::Atomic);
    assert_eq!((r.read, r.applied, r.unchanged), (4, 2, 2));
    assert_eq!(count(&store, "83", "2023-12-31", Metric::Eligible), 4);
    import_events(&mut store, campaign(), ImportMode::Atomic);
    assert_consistent(&mut store);
}

#[test]
fn check_finds_and_repairs_wrong_first_days() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.db");
    {
        let mut store = fixture_in(SqliteStore::open(&path).unwrap());
        import_citizens(&mut store, roster(), ImportMode::Atomic);
        import_events(&mut store, campaign(), ImportMode::Atomic);
        assert_consistent(&mut store);
    }
    let damaged = rusqlite::Connection::open(&path)
        .unwrap()
        .execute("UPDATE firsts SET f_collected = f_collected - 1", [])
        .unwrap();
    assert!(damaged > 0);
    let mut store = SqliteStore::open(&path).unwrap();
    let report = store.check(false).unwrap();
    assert_eq!(report.firsts_wrong, damaged as u64, "{report:#?}");
    assert!(store.check(true).unwrap().repaired);
    assert_consistent(&mut store);
}

/// Unreadable rows between a first row and the later ones: more than an
/// import's batch, so the later rows are checked in another batch.
const FILLER: usize = 10_000;

/// Imports `first`, [`FILLER`] unreadable rows, then `later`, skipping the
/// invalid ones, on a roster with no events yet.
fn import_far_apart(first: Vec<Event>, later: Vec<Vec<Event>>) -> (SqliteStore, ImportReport) {
    let mut store = fixture();
    import_citizens(&mut store, roster(), ImportMode::Atomic);
    let mut values = vec![Ok(first)];
    values.extend((0..FILLER).map(|_| Err("unreadable row".to_string())));
    values.extend(later.into_iter().map(Ok));
    let r = store
        .import_events(
            &Scope::everything(),
            &mut rows(values),
            ImportMode::SkipInvalid,
            now(),
            "test",
        )
        .unwrap();
    (store, r)
}

/// A first load of events reads a citizen's events back when their rows
/// are far apart in the file (in different batches of the import), and
/// checks them all together: what waits is held, what breaks is refused.
#[test]
fn a_first_load_checks_a_citizen_against_events_from_far_earlier_in_the_file() {
    use EventKind::*;
    let an = "083085000001";
    let (mut store, r) = import_far_apart(
        vec![ev("e1", an, Collected, 2, "2023-08-20 19:30")],
        vec![
            vec![ev("e2", an, Approved, 2, "2023-08-22 09:00")],
            // Collected again with no rejection between: it waits for the
            // first application's rejection, and the approval after it too.
            vec![ev("e3", an, Collected, 2, "2023-08-21 10:00")],
            // An approval after the approval can never fit.
            vec![ev("e4", an, Approved, 2, "2023-08-23 09:00")],
        ],
    );
    assert_eq!((r.applied, r.refused.len()), (1, FILLER + 1));
    let last = r.refused.last().unwrap();
    assert_eq!(last.line, FILLER as u64 + 5);
    assert!(last.reason.contains("lifecycle"), "{last:?}");
    let held: Vec<u64> = r.held.iter().map(|h| h.line).collect();
    assert_eq!(held, [FILLER as u64 + 3, FILLER as u64 + 4]);
    assert!(r.held[1].waiting_for.contains("'rejected'"), "{:?}", r.held);
    assert_eq!(count(&store, "83", "2023-08-22", Metric::Collected), 1);
    assert_eq!(count(&store, "83", "2023-08-22", Metric::Approved), 0);
    assert_consistent(&mut store);
}

/// The same with status-snapshot rows, which a first load checks after the
/// others, once the by-citizen index is built: the outcome is the same as
/// in file order.
#[test]
fn a_first_load_checks_far_apart_snapshot_rows_as_in_file_order() {
    use EventKind::*;
    let an = "083085000001";
    let (mut store, r) = import_far_apart(
        snapshot(an, 2, &[(Collected, "2023-09-01 08:00")]),
        vec![
            // The next export: approved as well.
            snapshot(
                an,
                2,
                &[
                    (Collected, "2023-09-01 08:00"),
                    (Approved, "2023-09-03 08:00"),
                ],
            ),
            // Another citizen, first seen here.
            snapshot("083201000003", 1, &[(Collected, "2023-09-10 20:00")]),
            // An export that moves the recorded collection.
            snapshot(an, 2, &[(Collected, "2023-09-05 08:00")]),
        ],
    );
    assert_eq!((r.read, r.applied, r.unchanged), (FILLER as u64 + 4, 3, 0));
    assert_eq!(r.refused.len(), FILLER + 1);
    let moved = r.refused.last().unwrap();
    assert_eq!(moved.line, FILLER as u64 + 5);
    assert!(moved.reason.contains("recorded before"), "{moved:?}");
    assert_eq!(count(&store, "83", "2023-09-30", Metric::Approved), 1);
    assert_eq!(count(&store, "83", "2023-09-30", Metric::Collected), 2);
    assert_consistent(&mut store);
}

mod reorganise {
    use super::*;
    use phuxanh_store::Reorganisation;

    /// The fixture's Bến Tre merged into a new province 86 of three
    /// communes: 28756 takes the old 28756 and 28759 whole (and so the old
    /// 28756's code); the old 28800 is split between 29000 and 29001.
    fn plan(map: &[(&str, &str)]) -> Reorganisation {
        Reorganisation {
            name: "vn-2025".into(),
            effective: day("2025-07-01"),
            units: vec![
                unit("86", "Tỉnh Vĩnh Long", UnitLevel::Province, None),
                unit("28756", "Phường An Thạnh", UnitLevel::Commune, Some("86")),
                unit("29000", "Xã Ba Tri", UnitLevel::Commune, Some("86")),
                unit("29001", "Xã Tân Xuân", UnitLevel::Commune, Some("86")),
            ],
            provinces: [(code("83"), code("86"))].into(),
            communes: [
                (code("28756"), vec![code("28756")]),
                (code("28759"), vec![code("28756")]),
                (code("28800"), vec![code("29000"), code("29001")]),
            ]
            .into(),
            map: map.iter().map(|(k, v)| (k.to_string(), code(v))).collect(),
        }
    }

    /// The fixture with its campaign, a second citizen in the split
    /// commune, and a target on each of the merged communes.
    fn store() -> SqliteStore {
        let mut store = fixture();
        let mut people = roster();
        people.push(citizen("083195000010", "1995-02-02", Sex::Female, "28800"));
        import_citizens(&mut store, people, ImportMode::Atomic);
        let mut events = campaign();
        events.push(ev(
            "e10",
            "083195000010",
            EventKind::Collected,
            1,
            "2023-09-12 08:00",
        ));
        events.push(ev(
            "e11",
            "083309000004",
            EventKind::Collected,
            1,
            "2023-10-01 08:00",
        ));
        import_events(&mut store, events, ImportMode::Atomic);
        let mut targets = rows(
            [("28756", "3"), ("28759", "2"), ("28800", "50%")]
                .into_iter()
                .map(|(u, v)| {
                    Ok(phuxanh_store::TargetRecord {
                        unit: code(u),
                        metric: "collected".parse().unwrap(),
                        value: v.parse().unwrap(),
                        deadline: day("2023-12-15"),
                    })
                })
                .collect(),
        );
        store
            .import_targets(
                &Scope::everything(),
                &mut targets,
                ImportMode::Atomic,
                "test",
                now(),
            )
            .unwrap();
        store
            .add_campaign(
                &Scope::everything(),
                &phuxanh_store::Campaign {
                    name: "60 ngày đêm".into(),
                    from: day("2023-08-20"),
                    to: day("2023-10-18"),
                    unit: Some(code("831")),
                },
            )
            .unwrap();
        store
    }

    fn days() -> impl Iterator<Item = Day> {
        std::iter::successors(Some(day("2023-08-01")), |d| Some(d.plus_days(1)))
            .take_while(|d| *d <= day("2023-12-31"))
    }

    fn counts(store: &SqliteStore, unit: &str, d: Day) -> phuxanh_domain::Counts {
        store
            .figures(&Scope::everything(), &code(unit), d)
            .unwrap()
            .counts
    }

    #[test]
    fn a_split_commune_without_answers_changes_nothing_and_says_what_is_needed() {
        let mut store = store();
        let generation = store.generation().unwrap();
        let r = store.reorganise(&plan(&[]), true).unwrap();
        assert!(!r.applied);
        assert_eq!(r.needs.len(), 1, "{r:#?}");
        let need = &r.needs[0];
        assert_eq!((need.code.as_str(), need.citizens), ("28800", 2));
        assert_eq!(need.candidates, [code("29000"), code("29001")]);
        assert_eq!(store.generation().unwrap(), generation);
        assert_eq!(
            store.roots(&Scope::everything()).unwrap()[0].code,
            code("83")
        );
        // Answers that cannot be used are named, and change nothing either.
        let r = store
            .reorganise(
                &plan(&[
                    ("28800", "28756"),
                    ("28756-T01", "29000"),
                    ("nowhere", "29000"),
                ]),
                true,
            )
            .unwrap();
        assert!(!r.applied);
        assert_eq!(r.bad_map.len(), 3, "{:#?}", r.bad_map);
        assert_eq!(store.generation().unwrap(), generation);
        assert_consistent(&mut store);
    }

    #[test]
    fn the_new_units_count_every_day_of_the_old_ones_and_the_old_ones_stay_for_past_reports() {
        let mut store = store();
        let all = Scope::everything();
        let before: Vec<_> = days()
            .map(|d| {
                (
                    counts(&store, "83", d),
                    counts(&store, "28756", d),
                    counts(&store, "28759", d),
                )
            })
            .collect();
        // One citizen of the split commune to 29001, the rest to 29000.
        let r = store
            .reorganise(
                &plan(&[("083309000004", "29001"), ("28800", "29000")]),
                true,
            )
            .unwrap();
        assert!(r.applied, "{r:#?}");
        assert_eq!(r.retired, [1, 2, 3]);
        assert_eq!((r.added, r.renamed), (4, 1));
        assert_eq!((r.villages_moved, r.citizens_moved), (1, 4));
        assert_consistent(&mut store);
        // Day by day: the new province is the old one; the new 28756 is the
        // old 28756 (now 28756.2024) and 28759 together.
        for (d, (p83, c28756, c28759)) in days().zip(before) {
            assert_eq!(counts(&store, "86", d), p83, "86 on {d}");
            assert_eq!(counts(&store, "83", d), p83, "the old 83 on {d}");
            assert_eq!(counts(&store, "28756.2024", d), c28756, "28756.2024 on {d}");
            let mut sum = c28756;
            sum += c28759;
            assert_eq!(counts(&store, "28756", d), sum, "28756 on {d}");
        }
        // The split: each citizen where the map said.
        assert_eq!(count(&store, "29001", "2023-12-31", Metric::Collected), 1);
        assert_eq!(count(&store, "29000", "2023-12-31", Metric::Collected), 1);
        // What each old unit became.
        let retired = |c: &str| {
            store
                .figures(&all, &code(c), day("2023-11-14"))
                .unwrap()
                .retired
                .unwrap()
        };
        assert_eq!(retired("83").into, [code("86")]);
        assert_eq!(retired("831").into, [code("86")]);
        assert_eq!(retired("28759").into, [code("28756")]);
        assert_eq!(retired("28800").into, [code("29000"), code("29001")]);
        assert_eq!(retired("28800").on, day("2025-07-01"));
        assert!(
            store
                .figures(&all, &code("86"), day("2023-11-14"))
                .unwrap()
                .retired
                .is_none()
        );
        // The tree in force.
        let roots = store.roots(&all).unwrap();
        assert_eq!(
            roots.iter().map(|u| u.code.as_str()).collect::<Vec<_>>(),
            ["86"]
        );
        assert_eq!(store.children(&all, &code("86")).unwrap().len(), 3);
        assert_eq!(
            store.children(&all, &code("28756")).unwrap()[0].code,
            code("28756-T01")
        );
        // Targets: the two whole communes' numbers summed; a split one's
        // percentage cannot be carried.
        let t = store.target_history(&all, &code("28756")).unwrap();
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].value.to_string(), "5");
        assert!(
            r.targets_to_set
                .iter()
                .any(|s| s.starts_with("29000 collected")),
            "{:#?}",
            r.targets_to_set
        );
        // The campaign of a district moved to the new province.
        let campaigns = store.campaigns(&Scope::everything()).unwrap();
        assert_eq!(campaigns[0].unit, Some(code("86")));
        // Doing it again is refused.
        let err = store.reorganise(&plan(&[]), true).unwrap_err();
        assert!(err.to_string().contains("reorganised already"), "{err}");
    }

    #[test]
    fn after_it_new_data_goes_to_the_new_units_and_the_old_ones_refuse_it() {
        let mut store = store();
        store
            .reorganise(&plan(&[("28800", "29000")]), true)
            .unwrap();
        let frozen = count(&store, "83", "2023-12-31", Metric::Activated);
        // A late activation of a citizen of the old 28756: the new units
        // count it on its own day; the retired ones keep their figures.
        import_events(
            &mut store,
            vec![ev(
                "late",
                "083190000002",
                EventKind::Activated,
                1,
                "2023-09-02 10:00",
            )],
            ImportMode::Atomic,
        );
        assert_eq!(
            count(&store, "86", "2023-09-02", Metric::Activated),
            frozen + 1
        );
        assert_eq!(count(&store, "83", "2023-12-31", Metric::Activated), frozen);
        assert_consistent(&mut store);
        // A roster naming an old commune is refused with its successor.
        let r = import_citizens(
            &mut store,
            vec![citizen("083201000007", "2001-01-01", Sex::Male, "28759")],
            ImportMode::Atomic,
        );
        assert!(
            r.refused[0].reason.contains("merged into 28756"),
            "{:?}",
            r.refused
        );
        // A move under the new structure works as before.
        let r = import_citizens(
            &mut store,
            vec![citizen("083201000003", "2001-01-01", Sex::Male, "29001")],
            ImportMode::Atomic,
        );
        assert_eq!(r.applied, 1, "{:?}", r.refused);
        assert_consistent(&mut store);
    }
}
