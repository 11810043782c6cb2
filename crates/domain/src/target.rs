//! Targets (chỉ tiêu): a number to reach for a unit and a metric by a
//! deadline, given either as an absolute count or as a percentage of the
//! unit's eligible population.

use std::fmt;
use std::str::FromStr;

use crate::metric::Metric;
use crate::percent::Percent;

/// The metrics a target may be set on.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct TargetMetric(Metric);

impl TargetMetric {
    pub const ALL: [Metric; 5] = [
        Metric::Collected,
        Metric::Activated,
        Metric::CollectedL2,
        Metric::ActivatedL2,
        Metric::Used,
    ];

    pub fn new(metric: Metric) -> Result<TargetMetric, String> {
        if TargetMetric::ALL.contains(&metric) {
            Ok(TargetMetric(metric))
        } else {
            Err(format!(
                "no target can be set on '{metric}': use one of collected, activated, collected_l2, activated_l2, used"
            ))
        }
    }

    pub fn metric(self) -> Metric {
        self.0
    }
}

impl FromStr for TargetMetric {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        TargetMetric::new(s.parse()?)
    }
}

impl fmt::Display for TargetMetric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A target's value.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum TargetValue {
    /// `930767`
    Absolute(i64),
    /// `50%` or `62.5%` of the eligible population.
    PercentOfEligible(Percent),
}

impl TargetValue {
    /// The number to reach, given the eligible population; percentages are
    /// rounded half-up to a whole citizen.
    pub fn resolve(self, eligible: i64) -> i64 {
        match self {
            TargetValue::Absolute(n) => n,
            TargetValue::PercentOfEligible(p) => (eligible * p.hundredths() + 5_000) / 10_000,
        }
    }
}

impl FromStr for TargetValue {
    type Err = String;

    fn from_str(s: &str) -> Result<TargetValue, String> {
        let s = s.trim();
        let bad =
            || format!("target value '{s}' is not a whole number (930767) or a percentage (50%)");
        if let Some(p) = s.strip_suffix('%') {
            let p = p.trim().replace(',', ".");
            let (whole, frac) = p.split_once('.').unwrap_or((&p, ""));
            if whole.is_empty()
                || frac.len() > 2
                || !whole.bytes().all(|b| b.is_ascii_digit())
                || !frac.bytes().all(|b| b.is_ascii_digit())
            {
                return Err(bad());
            }
            let hundredths = whole.parse::<i64>().map_err(|_| bad())? * 100
                + format!("{frac:0<2}").parse::<i64>().map_err(|_| bad())?;
            if hundredths == 0 || hundredths > 10_000 {
                return Err(format!(
                    "target percentage '{s}' must be above 0% and at most 100%"
                ));
            }
            return Ok(TargetValue::PercentOfEligible(Percent(hundredths)));
        }
        let n: i64 = s.parse().map_err(|_| bad())?;
        if n <= 0 {
            return Err(format!("target value '{s}' must be positive"));
        }
        Ok(TargetValue::Absolute(n))
    }
}

impl fmt::Display for TargetValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TargetValue::Absolute(n) => write!(f, "{n}"),
            TargetValue::PercentOfEligible(p) => {
                let s = p.to_string();
                let s = s.trim_end_matches('0').trim_end_matches('.');
                write!(f, "{s}%")
            }
        }
    }
}

/// Splits `total` among parts in proportion to `weights` by the largest
/// remainder method: each part gets the whole part of its exact share, and
/// the units left over go to the largest fractions (the earlier part first
/// on a tie). The shares always sum to `total`. With no weight at all, the
/// split is equal.
pub fn allocate(total: i64, weights: &[i64]) -> Vec<i64> {
    if weights.is_empty() {
        return Vec::new();
    }
    let equal = vec![1; weights.len()];
    let weights = if weights.iter().all(|&w| w <= 0) {
        &equal[..]
    } else {
        weights
    };
    let sum: i128 = weights.iter().map(|&w| i128::from(w.max(0))).sum();
    let exact: Vec<(i128, i128)> = weights
        .iter()
        .map(|&w| {
            let n = i128::from(total) * i128::from(w.max(0));
            (n / sum, n % sum)
        })
        .collect();
    let mut shares: Vec<i64> = exact.iter().map(|&(q, _)| q as i64).collect();
    let left = total - shares.iter().sum::<i64>();
    let mut order: Vec<usize> = (0..shares.len()).collect();
    order.sort_by_key(|&i| (std::cmp::Reverse(exact[i].1), i));
    for &i in order.iter().take(left as usize) {
        shares[i] += 1;
    }
    shares
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn allocation_is_by_largest_remainder() {
        // 10 by 1:1:1 → 3.33 each; the first takes the leftover unit.
        assert_eq!(allocate(10, &[1, 1, 1]), [4, 3, 3]);
        // 100 by 50:30:20 is exact.
        assert_eq!(allocate(100, &[50, 30, 20]), [50, 30, 20]);
        // 7 by 5:3:2 → 3.5, 2.1, 1.4: the largest fractions (.5, .4) win.
        assert_eq!(allocate(7, &[5, 3, 2]), [4, 2, 1]);
        // No weights at all: an equal split.
        assert_eq!(allocate(5, &[0, 0]), [3, 2]);
        assert!(allocate(5, &[]).is_empty());
    }

    proptest! {
        #[test]
        fn allocations_sum_exactly_and_stay_within_one_of_the_exact_share(
            total in 0i64..10_000_000,
            weights in proptest::collection::vec(0i64..2_000_000, 1..40),
        ) {
            let shares = allocate(total, &weights);
            prop_assert_eq!(shares.len(), weights.len());
            prop_assert_eq!(shares.iter().sum::<i64>(), total);
            let sum: i128 = weights.iter().map(|&w| i128::from(w)).sum();
            for (share, w) in shares.iter().zip(&weights) {
                if sum > 0 {
                    let floor = (i128::from(total) * i128::from(*w) / sum) as i64;
                    prop_assert!(*share == floor || *share == floor + 1);
                }
            }
        }

        #[test]
        fn a_prime_target_split_over_17_children_sums_exactly(
            weights in proptest::collection::vec(0i64..100_000, 17),
        ) {
            prop_assert_eq!(allocate(930_763, &weights).iter().sum::<i64>(), 930_763);
        }
    }

    #[test]
    fn values_parse() {
        assert_eq!("930767".parse(), Ok(TargetValue::Absolute(930_767)));
        assert_eq!(
            "50%".parse(),
            Ok(TargetValue::PercentOfEligible(Percent(5000)))
        );
        assert_eq!(
            "62,5%".parse(),
            Ok(TargetValue::PercentOfEligible(Percent(6250)))
        );
        assert!("0".parse::<TargetValue>().is_err());
        assert!("-5".parse::<TargetValue>().is_err());
        assert!("120%".parse::<TargetValue>().is_err());
        assert!("abc".parse::<TargetValue>().is_err());
        assert!("1.234%".parse::<TargetValue>().is_err());
    }

    #[test]
    fn values_display_as_written() {
        for s in ["930767", "50%", "62.5%", "12.25%"] {
            assert_eq!(s.parse::<TargetValue>().unwrap().to_string(), s);
        }
    }

    #[test]
    fn percentages_resolve_against_eligible() {
        let half: TargetValue = "50%".parse().unwrap();
        assert_eq!(half.resolve(1001), 501);
        assert_eq!(TargetValue::Absolute(7).resolve(1001), 7);
    }

    #[test]
    fn only_some_metrics_take_targets() {
        assert!("activated".parse::<TargetMetric>().is_ok());
        assert!("eligible".parse::<TargetMetric>().is_err());
        assert!("rejected".parse::<TargetMetric>().is_err());
    }
}
