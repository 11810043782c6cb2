//! One citizen's events checked as a set, not a sequence.
//!
//! A file, or an API request, may list a citizen's events in any order, and
//! an export may arrive before the one that precedes it (the activations
//! before the collections). So the lifecycle is checked per level in time
//! order over everything known of the citizen at once: the events already
//! recorded, the events held earlier, and the incoming rows.
//!
//! Walking the events in time order, an event that does not fit either
//! - **waits**: events that are missing would make it fit (an activation
//!   whose collection and approval have not arrived; a second collection
//!   whose first one's rejection has not). It is *held*, and so is
//!   everything after it at that level, until they come; or
//! - **breaks** the lifecycle: nothing could make it fit (a collection
//!   after an approval, an approval after an activation). The incoming row
//!   it belongs to is refused.
//!
//! What is recorded and what is held is therefore a function of the set of
//! events received: rows and files that together fit the lifecycle give the
//! same figures in any order. An event received earlier is never refused:
//! when an incoming row breaks the lifecycle, or makes an event received
//! earlier break it, the incoming row is refused. An incoming event can
//! make a recorded one wait again (a second collection before the recorded
//! approval: the approval then waits for the first collection's rejection),
//! and the recorded event goes back to being held. When incoming rows
//! conflict among themselves, the later in time is refused.
//!
//! The storage backends call [`resolve`] for the citizens whose rows do not
//! simply extend what is recorded, and [`extends`] to find them cheaply.

use std::collections::{BTreeMap, HashMap};

use crate::event::{Event, EventId};
use crate::lifecycle::{EventKind, Level, LifecycleError, Stage};
use crate::time::Instant;

/// Where an event walked first stops fitting, in time order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Misfit {
    /// The event at this index, and all after it, wait for `missing`.
    Waits {
        index: usize,
        missing: Vec<EventKind>,
    },
    /// The event at this index breaks the lifecycle.
    Breaks { index: usize, error: LifecycleError },
}

/// Walks one level's events, already in time order, and says where they
/// stop fitting. After an event that waits, the walk goes on as if it had
/// happened, so that an event that could never fit is still found.
pub fn walk(kinds: impl IntoIterator<Item = EventKind>) -> Result<(), Misfit> {
    let mut stage = Stage::None;
    let mut waits = None;
    for (index, kind) in kinds.into_iter().enumerate() {
        stage = match stage.after(kind) {
            Ok(next) => next,
            Err(error) => match error.missing() {
                Some(missing) => {
                    waits.get_or_insert(Misfit::Waits { index, missing });
                    Stage::reached_by(kind)
                }
                None => return Err(Misfit::Breaks { index, error }),
            },
        };
    }
    waits.map_or(Ok(()), Err)
}

/// The order of a timeline: time, then lifecycle order for events stamped
/// with the same time (a snapshot often gives two stages one time).
fn time_order(e: &Event) -> (Instant, u8) {
    (e.at, e.kind.rank())
}

/// Whether `events` (recorded and new, in any order) fit the lifecycle at
/// both levels with nothing missing: the common case, where new events just
/// extend what is recorded and need no [`resolve`].
pub fn extends(events: &[&Event]) -> bool {
    [Level::One, Level::Two].into_iter().all(|level| {
        let mut timeline: Vec<&Event> = events
            .iter()
            .copied()
            .filter(|e| e.level == level)
            .collect();
        timeline.sort_by_key(|e| time_order(e));
        walk(timeline.iter().map(|e| e.kind)).is_ok()
    })
}

/// An incoming row: all its events stand or fall together.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Incoming {
    pub line: u64,
    pub events: Vec<Event>,
}

/// What became of an incoming row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Every event was known before, identically.
    Unchanged,
    /// Its new events are recorded.
    Applied,
    /// Some of its events wait for their predecessors (the reason says
    /// which); the others, if any, are recorded.
    Held(String),
    Refused(String),
}

/// What to do with one citizen's events.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Resolution {
    /// Each incoming row's outcome, in the order given.
    pub rows: Vec<(u64, Outcome)>,
    /// Events to record now: incoming ones, and held ones whose
    /// predecessors have arrived (also in `released`).
    pub record: Vec<Event>,
    /// Incoming events to hold, with what they wait for.
    pub hold: Vec<(Event, String)>,
    /// Events held before that are recorded now.
    pub released: Vec<Event>,
    /// Events held before that still wait, with what they wait for now
    /// (it may have changed: a collection arrived, the approval has not).
    pub still_held: Vec<(Event, String)>,
    /// Recorded events that wait again, because an incoming event showed
    /// that one is missing before them, with what they wait for.
    pub withdrawn: Vec<(Event, String)>,
}

/// Where an event on a timeline comes from.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Origin {
    Recorded,
    Held,
    Row(usize),
}

impl Origin {
    /// Ties of time are broken by origin — what was received before comes
    /// first — and then by event id, so that the order rows are given in
    /// never matters.
    fn class(self) -> u8 {
        match self {
            Origin::Recorded | Origin::Held => 0,
            Origin::Row(_) => 1,
        }
    }
}

/// Resolves one citizen's incoming rows against their `recorded` events
/// and the events `held` for them (all of one citizen).
pub fn resolve(recorded: &[Event], held: &[Event], rows: Vec<Incoming>) -> Resolution {
    let mut refused: Vec<Option<String>> = vec![None; rows.len()];

    // Ids: an event known before is either the same (nothing new) or a
    // conflict; an id given to two different incoming events refuses both.
    let known: HashMap<&EventId, (&Event, bool)> = recorded
        .iter()
        .map(|e| (&e.id, (e, false)))
        .chain(held.iter().map(|e| (&e.id, (e, true))))
        .collect();
    let mut with_id: BTreeMap<&EventId, Vec<(usize, &Event)>> = BTreeMap::new();
    for (i, row) in rows.iter().enumerate() {
        for ev in &row.events {
            match known.get(&ev.id) {
                Some((k, _)) if *k == ev => {}
                Some((k, was_held)) => {
                    refused[i].get_or_insert_with(|| id_reused(&ev.id, k, *was_held));
                }
                None => with_id.entry(&ev.id).or_default().push((i, ev)),
            }
        }
    }
    // Each new event once, in the first row that has it; a row whose
    // events all came earlier is unchanged, or refused with that row.
    let mut fresh: Vec<Vec<Event>> = vec![Vec::new(); rows.len()];
    let mut repeats: Vec<(usize, usize)> = Vec::new(); // (row, first row)
    for same in with_id.values() {
        let (first, ev) = same[0];
        if let Some((other, e)) = same.iter().find(|(_, e)| *e != ev) {
            let reason = format!(
                "event id '{}' is given to two different events, on lines {} and {} ({} and {}); give each its own id",
                ev.id,
                rows[first].line.min(rows[*other].line),
                rows[first].line.max(rows[*other].line),
                ev.describe(),
                e.describe()
            );
            for (r, _) in same {
                refused[*r].get_or_insert_with(|| reason.clone());
            }
            continue;
        }
        fresh[first].push(ev.clone());
        repeats.extend(same[1..].iter().map(|(r, _)| (*r, first)));
    }
    for events in &mut fresh {
        events.sort_by_key(time_order);
    }

    // Refuse rows until what is left fits (possibly waiting).
    for level in [Level::One, Level::Two] {
        while let Some((row, reason)) = misfit(recorded, held, &fresh, &refused, level) {
            refused[row] = Some(reason);
        }
    }

    // Record what fits; hold what waits.
    let mut resolution = Resolution::default();
    let mut held_reason: Vec<Option<String>> = vec![None; rows.len()];
    for level in [Level::One, Level::Two] {
        let timeline = timeline(recorded, held, &fresh, &refused, level);
        let waits_from = match walk(timeline.iter().map(|(_, e)| e.kind)) {
            Err(Misfit::Waits { index, missing }) => Some((index, missing)),
            _ => None,
        };
        for (i, (origin, ev)) in timeline.iter().enumerate() {
            let waiting = match &waits_from {
                Some((from, missing)) if i >= *from => {
                    Some(waiting_for(timeline[*from].1, missing))
                }
                _ => None,
            };
            match (origin, waiting) {
                (Origin::Recorded, None) => {}
                (Origin::Held, Some(reason)) => {
                    resolution.still_held.push(((*ev).clone(), reason));
                }
                (Origin::Recorded, Some(reason)) => {
                    resolution.withdrawn.push(((*ev).clone(), reason));
                }
                (Origin::Held, None) => {
                    resolution.record.push((*ev).clone());
                    resolution.released.push((*ev).clone());
                }
                (Origin::Row(_), None) => resolution.record.push((*ev).clone()),
                (Origin::Row(r), Some(reason)) => {
                    held_reason[*r].get_or_insert_with(|| reason.clone());
                    resolution.hold.push(((*ev).clone(), reason));
                }
            }
        }
    }
    for (row, first) in repeats {
        if fresh[row].is_empty() && refused[row].is_none() {
            refused[row] = refused[first].clone();
        }
    }
    resolution.rows = rows
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let outcome = if let Some(reason) = refused[i].take() {
                Outcome::Refused(reason)
            } else if fresh[i].is_empty() {
                Outcome::Unchanged
            } else if let Some(reason) = held_reason[i].take() {
                Outcome::Held(reason)
            } else {
                Outcome::Applied
            };
            (row.line, outcome)
        })
        .collect();
    resolution
}

/// One level's timeline: recorded, held and the rows not refused, in time
/// order (ties: [`Origin::class`], then id).
fn timeline<'a>(
    recorded: &'a [Event],
    held: &'a [Event],
    fresh: &'a [Vec<Event>],
    refused: &[Option<String>],
    level: Level,
) -> Vec<(Origin, &'a Event)> {
    let mut timeline: Vec<(Origin, &Event)> = recorded
        .iter()
        .map(|e| (Origin::Recorded, e))
        .chain(held.iter().map(|e| (Origin::Held, e)))
        .chain(
            fresh
                .iter()
                .enumerate()
                .filter(|(i, _)| refused[*i].is_none())
                .flat_map(|(i, events)| events.iter().map(move |e| (Origin::Row(i), e))),
        )
        .filter(|(_, e)| e.level == level)
        .collect();
    timeline.sort_by(|(a, x), (b, y)| {
        (time_order(x), a.class(), &x.id).cmp(&(time_order(y), b.class(), &y.id))
    });
    timeline
}

/// The first incoming row to refuse at `level`, and why: the row of an
/// event that breaks the lifecycle, or that makes an event received before
/// break it (then the last incoming row before that event).
fn misfit(
    recorded: &[Event],
    held: &[Event],
    fresh: &[Vec<Event>],
    refused: &[Option<String>],
    level: Level,
) -> Option<(usize, String)> {
    let timeline = timeline(recorded, held, fresh, refused, level);
    let Err(Misfit::Breaks { index, error }) = walk(timeline.iter().map(|(_, e)| e.kind)) else {
        return None;
    };
    let (origin, ev) = timeline[index];
    let citizen = ev.citizen;
    if let Origin::Row(row) = origin {
        return Some((
            row,
            format!(
                "out of lifecycle order for citizen {citizen} at level {level}: {error} (event on {})",
                ev.at.to_rfc3339()
            ),
        ));
    }
    let (row, culprit) = timeline[..index].iter().rev().find_map(|(o, e)| match o {
        Origin::Row(r) => Some((*r, *e)),
        _ => None,
    })?;
    Some((
        row,
        format!(
            "out of lifecycle order for citizen {citizen} at level {level}: after its {} on {}, the {} of {} received before would no longer fit ({error})",
            culprit.kind,
            culprit.at.to_rfc3339(),
            ev.kind,
            ev.at.to_rfc3339(),
        ),
    ))
}

fn id_reused(id: &EventId, known: &Event, held: bool) -> String {
    format!(
        "event id '{id}' was {} before with different content ({}); give a new event its own id",
        if held {
            "received (and held)"
        } else {
            "recorded"
        },
        known.describe()
    )
}

/// Why an event waits: the first event that waits and what it needs.
fn waiting_for(first: &Event, missing: &[EventKind]) -> String {
    let names: Vec<String> = missing.iter().map(|k| format!("'{k}'")).collect();
    let names = match names.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
    };
    format!(
        "waiting for {names} at level {}: the '{}' of {} needs {} first",
        first.level,
        first.kind,
        first.at.to_rfc3339(),
        if missing.len() == 1 { "it" } else { "them" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::citizen::CitizenId;
    use EventKind as K;

    fn citizen() -> CitizenId {
        CitizenId::parse("083085000001").unwrap()
    }

    fn ev(id: &str, kind: EventKind, at: &str) -> Event {
        Event::new(
            EventId::parse(id).unwrap(),
            citizen(),
            kind,
            Level::One,
            at.parse().unwrap(),
        )
    }

    fn row(line: u64, e: Event) -> Incoming {
        Incoming {
            line,
            events: vec![e],
        }
    }

    fn ids(events: &[Event]) -> Vec<&str> {
        let mut ids: Vec<&str> = events.iter().map(|e| e.id.as_str()).collect();
        ids.sort_unstable();
        ids
    }

    #[test]
    fn walk_finds_the_first_gap_and_goes_on() {
        assert_eq!(walk([K::Collected, K::Approved, K::Activated]), Ok(()));
        assert_eq!(
            walk([K::Activated, K::Used]),
            Err(Misfit::Waits {
                index: 0,
                missing: vec![K::Collected, K::Approved]
            })
        );
        // After a gap, an event that goes back is still a break.
        assert!(matches!(
            walk([K::Activated, K::Collected]),
            Err(Misfit::Breaks { index: 1, .. })
        ));
    }

    #[test]
    fn rows_in_any_order_give_the_same_resolution() {
        let events = [
            ev("a", K::Collected, "2023-09-01 08:00"),
            ev("b", K::Rejected, "2023-09-02 08:00"),
            ev("c", K::Collected, "2023-09-03 08:00"),
            ev("d", K::Approved, "2023-09-04 08:00"),
            ev("e", K::Activated, "2023-09-05 08:00"),
            ev("f", K::Used, "2023-09-06 08:00"),
        ];
        let orders: [[usize; 6]; 4] = [
            [0, 1, 2, 3, 4, 5],
            [5, 4, 3, 2, 1, 0],
            [2, 0, 5, 1, 4, 3],
            [4, 2, 0, 3, 5, 1],
        ];
        for order in orders {
            let rows = order
                .iter()
                .map(|&i| row(i as u64 + 2, events[i].clone()))
                .collect();
            let r = resolve(&[], &[], rows);
            assert_eq!(ids(&r.record), ["a", "b", "c", "d", "e", "f"], "{order:?}");
            assert!(r.hold.is_empty());
            assert!(r.rows.iter().all(|(_, o)| *o == Outcome::Applied));
        }
    }

    #[test]
    fn an_event_before_its_predecessor_waits_and_is_released_later() {
        let activated = ev("act", K::Activated, "2023-09-05 08:00");
        let r = resolve(&[], &[], vec![row(2, activated.clone())]);
        assert!(r.record.is_empty());
        let (held, reason) = &r.hold[0];
        assert_eq!(held, &activated);
        assert!(reason.contains("'collected' and 'approved'"), "{reason}");
        assert!(matches!(r.rows[0].1, Outcome::Held(_)));

        // The collection alone: still waiting for the approval.
        let collected = ev("col", K::Collected, "2023-09-01 08:00");
        let r = resolve(
            &[],
            std::slice::from_ref(&activated),
            vec![row(2, collected.clone())],
        );
        assert_eq!(ids(&r.record), ["col"]);
        assert!(r.released.is_empty());
        assert_eq!(r.rows[0].1, Outcome::Applied);

        // The approval releases the activation.
        let approved = ev("app", K::Approved, "2023-09-02 08:00");
        let r = resolve(
            std::slice::from_ref(&collected),
            std::slice::from_ref(&activated),
            vec![row(2, approved)],
        );
        assert_eq!(ids(&r.record), ["act", "app"]);
        assert_eq!(ids(&r.released), ["act"]);
    }

    #[test]
    fn a_break_refuses_the_incoming_row_not_the_recorded_one() {
        let recorded = [
            ev("a", K::Collected, "2023-09-01 08:00"),
            ev("b", K::Approved, "2023-09-02 08:00"),
        ];
        // A collection after the approval.
        let r = resolve(
            &recorded,
            &[],
            vec![row(7, ev("x", K::Collected, "2023-09-03 08:00"))],
        );
        let Outcome::Refused(reason) = &r.rows[0].1 else {
            panic!("{:?}", r.rows)
        };
        assert!(reason.contains("'collected' cannot follow"), "{reason}");
        // An approval before the recorded one makes it break: refused too.
        let r = resolve(
            &recorded,
            &[],
            vec![row(8, ev("y", K::Approved, "2023-09-01 12:00"))],
        );
        let Outcome::Refused(reason) = &r.rows[0].1 else {
            panic!("{:?}", r.rows)
        };
        assert!(reason.contains("would no longer fit"), "{reason}");
        assert!(r.record.is_empty());
    }

    #[test]
    fn an_event_that_shows_one_missing_makes_recorded_ones_wait_again() {
        let recorded = [
            ev("a", K::Collected, "2023-09-01 08:00"),
            ev("b", K::Approved, "2023-09-05 08:00"),
        ];
        // A second collection before the approval: the approval was the
        // second application's, and the first one's rejection is missing.
        let r = resolve(
            &recorded,
            &[],
            vec![row(2, ev("c", K::Collected, "2023-09-03 08:00"))],
        );
        assert!(
            matches!(&r.rows[0].1, Outcome::Held(m) if m.contains("'rejected'")),
            "{:?}",
            r.rows
        );
        assert_eq!(
            ids(&r.hold.iter().map(|(e, _)| e.clone()).collect::<Vec<_>>()),
            ["c"]
        );
        assert_eq!(
            ids(&r
                .withdrawn
                .iter()
                .map(|(e, _)| e.clone())
                .collect::<Vec<_>>()),
            ["b"]
        );
        // The rejection arrives: everything is recorded.
        let held = [r.hold[0].0.clone(), r.withdrawn[0].0.clone()];
        let r = resolve(
            &recorded[..1],
            &held,
            vec![row(2, ev("d", K::Rejected, "2023-09-02 08:00"))],
        );
        assert_eq!(ids(&r.record), ["b", "c", "d"]);
        assert_eq!(ids(&r.released), ["b", "c"]);
        assert!(r.withdrawn.is_empty() && r.hold.is_empty());
    }

    #[test]
    fn conflicting_incoming_rows_refuse_the_later_in_time_whatever_the_order() {
        let early = ev("a", K::Approved, "2023-09-01 08:00");
        let late = ev("b", K::Approved, "2023-09-03 08:00");
        let collected = ev("c", K::Collected, "2023-08-30 08:00");
        for rows in [
            vec![row(2, early.clone()), row(3, late.clone())],
            vec![row(2, late.clone()), row(3, early.clone())],
        ] {
            let r = resolve(std::slice::from_ref(&collected), &[], rows);
            assert_eq!(ids(&r.record), ["a"]);
            let refused: Vec<_> = r
                .rows
                .iter()
                .filter(|(_, o)| matches!(o, Outcome::Refused(_)))
                .collect();
            assert_eq!(refused.len(), 1);
        }
    }

    #[test]
    fn ids_known_before_are_unchanged_or_refused() {
        let a = ev("a", K::Collected, "2023-09-01 08:00");
        let r = resolve(std::slice::from_ref(&a), &[], vec![row(2, a.clone())]);
        assert_eq!(r.rows[0].1, Outcome::Unchanged);
        assert!(r.record.is_empty());
        let moved = ev("a", K::Collected, "2023-09-02 08:00");
        let r = resolve(std::slice::from_ref(&a), &[], vec![row(2, moved)]);
        assert!(matches!(&r.rows[0].1, Outcome::Refused(m) if m.contains("different content")));
        // The same id twice in the incoming rows: once the same event (one
        // applied, one unchanged), once two events (both refused).
        let r = resolve(&[], &[], vec![row(2, a.clone()), row(3, a.clone())]);
        assert_eq!(r.rows[0].1, Outcome::Applied);
        assert_eq!(r.rows[1].1, Outcome::Unchanged);
        let other = ev("a", K::Collected, "2023-09-05 08:00");
        let r = resolve(&[], &[], vec![row(2, a), row(3, other)]);
        for (_, outcome) in &r.rows {
            assert!(
                matches!(outcome, Outcome::Refused(m) if m.contains("lines 2 and 3")),
                "{outcome:?}"
            );
        }
        assert!(r.record.is_empty());
    }

    mod generated {
        use super::*;
        use proptest::prelude::*;

        /// A valid life at one level: collected, possibly rejected and
        /// collected again a few times, then as far as `stages` goes.
        fn life(level: Level, rejections: usize, stages: usize, start: i64) -> Vec<Event> {
            let mut kinds = vec![K::Collected];
            for _ in 0..rejections {
                kinds.extend([K::Rejected, K::Collected]);
            }
            kinds.extend(
                [K::Approved, K::Activated, K::Used, K::Used]
                    .iter()
                    .take(stages),
            );
            kinds
                .into_iter()
                .enumerate()
                .map(|(i, kind)| {
                    let mut e = ev(&format!("{level}-{i}"), kind, "2023-09-01 08:00");
                    e.level = level;
                    // Hours apart; some share a time with the next one.
                    let hours = start + i as i64 * 3 - i64::from(i % 4 == 3) * 3;
                    e.at = Instant::from_unix_seconds(e.at.unix_seconds() + hours * 3600);
                    e
                })
                .collect()
        }

        /// Imports `chunks` one after another, as separate files would be.
        fn import(chunks: &[Vec<Event>]) -> (Vec<Event>, Vec<Event>) {
            let (mut recorded, mut held) = (Vec::new(), Vec::<Event>::new());
            for chunk in chunks {
                let rows = chunk
                    .iter()
                    .enumerate()
                    .map(|(i, e)| row(i as u64 + 2, e.clone()))
                    .collect();
                let r = resolve(&recorded, &held, rows);
                assert!(
                    r.rows
                        .iter()
                        .all(|(_, o)| !matches!(o, Outcome::Refused(_))),
                    "{:?}",
                    r.rows
                );
                held.retain(|h| !r.released.contains(h));
                recorded.retain(|e| !r.withdrawn.iter().any(|(w, _)| w == e));
                recorded.extend(r.record);
                held.extend(r.hold.into_iter().chain(r.withdrawn).map(|(e, _)| e));
            }
            (recorded, held)
        }

        proptest! {
            #[test]
            fn any_order_and_any_split_records_every_event(
                r1 in 0usize..3, s1 in 0usize..5, r2 in 0usize..2, s2 in 0usize..5,
                start2 in -20i64..20,
                order in Just(()).prop_perturb(|_, mut rng| rng.random::<u64>()),
                cuts in proptest::collection::vec(0usize..30, 0..4),
            ) {
                let mut events = life(Level::One, r1, s1, 0);
                events.extend(life(Level::Two, r2, s2, start2));
                let all = ids(&events).into_iter().map(String::from).collect::<Vec<_>>();
                // A shuffle by the generated seed.
                let mut keyed: Vec<(u64, Event)> = events
                    .into_iter()
                    .enumerate()
                    .map(|(i, e)| ((i as u64 + 1).wrapping_mul(order | 1).rotate_left(17), e))
                    .collect();
                keyed.sort_by_key(|(k, _)| *k);
                let shuffled: Vec<Event> = keyed.into_iter().map(|(_, e)| e).collect();
                // Cut into files.
                let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c % (shuffled.len() + 1)).collect();
                cuts.sort_unstable();
                let mut chunks = Vec::new();
                let mut from = 0;
                for cut in cuts.into_iter().chain([shuffled.len()]) {
                    chunks.push(shuffled[from..cut.max(from)].to_vec());
                    from = cut.max(from);
                }
                let (recorded, held) = import(&chunks);
                prop_assert!(held.is_empty(), "still held: {held:?}");
                prop_assert_eq!(ids(&recorded), all.iter().map(String::as_str).collect::<Vec<_>>());
            }
        }
    }
}
