//! How units differ: each province, district and commune draws its own
//! performance, response to the peak and weekend habit from the seed and its
//! code, and a commune's profile composes the draws of the units above it,
//! so a weak district drags its communes while they still vary inside it.
//!
//! The model, per commune (`n` are standard normal draws, one per unit):
//!
//! - performance `z = 0.2·n(province) + 0.4·n(district) + 0.4·n(commune)`,
//!   clamped to [`Z_MIN`], [`Z_MAX`] (with no district level, the commune's
//!   own draw weighs 0.5, the same spread inside a province);
//! - reach `w = 0.975 + 0.03·z` (0.85–0.995): the share of its eligible
//!   people willing to apply at all;
//! - pace: each willing citizen applies on the first day of a Poisson
//!   process whose rate follows the commune's daily intensity, scaled so the
//!   cumulative rate from 1 January to the deadline is `L = 2·e^z`. By the
//!   deadline a share `1 − e^−L` of the willing have applied (a little fewer
//!   among the very old and those who turned 14 during the year), so the
//!   collected/target ratio at the deadline is about `w·(1 − e^−L)/0.95`:
//!   0.89 at `z = 0`, 0.71 at `z = −0.5`, 0.59 at `z = −0.8`, 0.45 at the
//!   floor, 1.0 at `z ≈ 0.5`; from `z ≈ 0.7` (`L ≈ 4`) the target is met
//!   weeks early, by the end of the peak for the strongest. Strong communes
//!   saturate: once their willing have applied their days go quiet. So in a
//!   province (inside it `z` spreads with a deviation of 0.57) about one
//!   commune in six is done weeks early and one in nine or ten stays under
//!   70%, as the province's own draw shifts them;
//! - peak response `s = 0.2·n + 0.4·n + 0.4·n` (other draws), clamped to
//!   ±1.2: a peak weekday is `2·e^s` times busier than an ordinary day
//!   before it is at `0.2`, i.e. from about 3× (barely) to 33× (a surge);
//! - weekends, during and after the peak: each district has a habit — 55%
//!   work weekend sessions (a weekend day 1.6–2.4× a weekday), 30% keep to
//!   ordinary hours (0.8–1.2×), 15% stop (0–0.15×), 1.4× on average — and a
//!   commune follows its district's with probability 0.7, else draws its
//!   own. Before the peak a weekend day is half a weekday everywhere;
//! - data gaps: in each province, one commune in 30 (at least one) reports
//!   nothing for 3–10 consecutive days during the peak; events that would
//!   have fallen in the gap are reported on the day after it.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use phuxanh_domain::{Day, UnitCode};

use crate::Timeline;

/// The clamps of a commune's performance `z`.
pub const Z_MIN: f64 = -1.2;
pub const Z_MAX: f64 = 1.5;
/// The cumulative application rate to the deadline at `z = 0`.
pub const PACE_AT_DEADLINE: f64 = 2.0;
/// The longest and shortest data gaps, in days.
pub const GAP_DAYS: std::ops::RangeInclusive<u32> = 3..=10;

/// A commune's campaign, composed from its own draws and its parents'.
#[derive(Clone, Copy, Debug)]
pub struct Profile {
    /// Performance, the sum of the units' draws (see the module's text).
    pub z: f64,
    /// The share of its eligible people willing to apply.
    pub reach: f64,
    /// The cumulative application rate from the timeline's start to the deadline.
    pub pace: f64,
    /// A peak weekday's intensity (an ordinary day before the peak is 0.2).
    pub peak: f64,
    /// A weekend day's intensity relative to a weekday, during and after the peak.
    pub weekend: f64,
    /// Days with no data: the first and how many.
    pub gap: Option<(Day, u32)>,
}

/// One unit's own draws, a function of the seed and its code alone.
struct Draws {
    performance: f64,
    surge: f64,
    habit: usize,
    follows: bool,
    factor: f64,
}

/// Weekend habits: how often a district has each, and the weekend/weekday
/// ratio range each gives.
const HABITS: [(f64, std::ops::Range<f64>); 3] =
    [(0.55, 1.6..2.4), (0.3, 0.8..1.2), (0.15, 0.0..0.15)];

/// A generator for one unit: the seed mixed with the code (FNV-1a), so a
/// unit draws the same whatever else is generated.
pub fn unit_rng(seed: u64, code: &str, salt: u64) -> ChaCha8Rng {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ salt;
    for b in code.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    ChaCha8Rng::seed_from_u64(seed ^ h.rotate_left(17))
}

/// A standard normal draw (Box–Muller).
fn normal(rng: &mut impl Rng) -> f64 {
    let u: f64 = 1.0 - rng.random::<f64>(); // (0, 1]
    let v: f64 = rng.random();
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

impl Draws {
    fn of(seed: u64, code: &UnitCode) -> Draws {
        let mut rng = unit_rng(seed, code.as_str(), 1);
        let performance = normal(&mut rng);
        let surge = normal(&mut rng);
        let mut x: f64 = rng.random();
        let mut habit = HABITS.len() - 1;
        for (i, (p, _)) in HABITS.iter().enumerate() {
            if x < *p {
                habit = i;
                break;
            }
            x -= p;
        }
        let follows = rng.random_bool(0.7);
        let factor = rng.random();
        Draws {
            performance,
            surge,
            habit,
            follows,
            factor,
        }
    }
}

/// The profile of a commune under `province` and (in a three-level set)
/// `district`, without its gap (see [`gaps`]).
pub fn profile(
    seed: u64,
    province: &UnitCode,
    district: Option<&UnitCode>,
    commune: &UnitCode,
) -> Profile {
    let p = Draws::of(seed, province);
    let c = Draws::of(seed, commune);
    let (d, own) = match district {
        Some(d) => (Some(Draws::of(seed, d)), 0.4),
        None => (None, 0.57),
    };
    let compose =
        |f: fn(&Draws) -> f64| 0.2 * f(&p) + d.as_ref().map_or(0.0, |d| 0.4 * f(d)) + own * f(&c);
    let z = compose(|u| u.performance).clamp(Z_MIN, Z_MAX);
    let s = compose(|u| u.surge).clamp(-1.2, 1.2);
    let habit = match &d {
        Some(d) if c.follows => d.habit,
        _ => c.habit,
    };
    let range = &HABITS[habit].1;
    Profile {
        z,
        reach: (0.975 + 0.03 * z).clamp(0.85, 0.995),
        pace: PACE_AT_DEADLINE * z.exp(),
        peak: 2.0 * s.exp(),
        weekend: range.start + (range.end - range.start) * c.factor,
        gap: None,
    }
}

/// The data gaps of one province's communes (given by index, in order):
/// one commune in 30, at least one, each silent for [`GAP_DAYS`] days
/// inside the peak (when silence shows).
pub fn gaps(
    seed: u64,
    province: &UnitCode,
    communes: &[usize],
    t: &Timeline,
) -> Vec<(usize, Day, u32)> {
    if communes.is_empty() {
        return Vec::new();
    }
    let mut rng = unit_rng(seed, province.as_str(), 2);
    let mut pool = communes.to_vec();
    let n = (communes.len() / 30).max(1);
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let i = pool.swap_remove(rng.random_range(0..pool.len()));
        let days = rng.random_range(GAP_DAYS);
        let last_start = (t.peak_days as i32 - days as i32).max(0);
        let first = t.peak_start.plus_days(rng.random_range(0..=last_start));
        out.push((i, first, days));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> UnitCode {
        UnitCode::parse(s).unwrap()
    }

    #[test]
    fn a_profile_is_a_function_of_the_seed_and_the_codes() {
        let (p, d, c) = (code("83"), code("829"), code("28756"));
        let a = profile(7, &p, Some(&d), &c);
        let b = profile(7, &p, Some(&d), &c);
        assert_eq!((a.z, a.peak, a.weekend), (b.z, b.peak, b.weekend));
        assert_ne!(a.z, profile(8, &p, Some(&d), &c).z);
        // The composition: the province's and district's draws weigh 0.2 and 0.4.
        let own = |seed, u: &UnitCode| Draws::of(seed, u).performance;
        let z = 0.2 * own(7, &p) + 0.4 * own(7, &d) + 0.4 * own(7, &c);
        assert_eq!(a.z, z.clamp(Z_MIN, Z_MAX));
        assert!((Z_MIN..=Z_MAX).contains(&a.z));
        assert!((0.85..=0.995).contains(&a.reach));
        assert!((2.0 * (-1.2f64).exp()..=2.0 * 1.2f64.exp()).contains(&a.peak));
        assert!((0.0..2.4).contains(&a.weekend));
    }

    #[test]
    fn gaps_are_one_commune_in_30_inside_the_peak() {
        let t = Timeline::default();
        let communes: Vec<usize> = (0..95).collect();
        let gaps = gaps(3, &code("83"), &communes, &t);
        assert_eq!(gaps.len(), 3);
        let peak_end = t.peak_start.plus_days(t.peak_days as i32 - 1);
        for (i, first, days) in &gaps {
            assert!(GAP_DAYS.contains(days));
            assert!(*first >= t.peak_start && first.plus_days(*days as i32 - 1) <= peak_end);
            assert!(communes.contains(i));
        }
        let distinct: std::collections::BTreeSet<_> = gaps.iter().map(|g| g.0).collect();
        assert_eq!(distinct.len(), 3);
        assert_eq!(
            super::gaps(3, &code("83"), &[4], &t).len(),
            1,
            "at least one"
        );
    }
}
