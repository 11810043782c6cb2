//! Who lives where: the age pyramid, households, birth dates and valid
//! personal identification numbers.

use std::collections::HashMap;

use rand::Rng;

use phuxanh_domain::{CitizenId, Day, Sex, citizen::BIRTH_PROVINCE_CODES};

/// Vietnam's population by five-year age band, per mille (close to the
/// 2019 census): 0–4, 5–9, …, 75–79, then 80–99.
const AGE_BANDS: [u32; 17] = [
    77, 83, 76, 68, 70, 81, 83, 79, 72, 66, 60, 53, 44, 32, 20, 14, 22,
];

/// Household sizes 1..=7, per mille: the mean is about 3.5.
const HOUSEHOLD_SIZES: [u32; 7] = [100, 180, 220, 250, 130, 80, 40];

fn weighted(rng: &mut impl Rng, weights: &[u32]) -> usize {
    let total: u32 = weights.iter().sum();
    let mut x = rng.random_range(0..total);
    for (i, w) in weights.iter().enumerate() {
        if x < *w {
            return i;
        }
        x -= w;
    }
    weights.len() - 1
}

/// A birth date for someone drawn from the age pyramid at `reference`.
pub fn draw_birth_date(rng: &mut impl Rng, reference: Day) -> Day {
    let band = weighted(rng, &AGE_BANDS);
    let (lo, hi) = if band == 16 {
        (80, 100)
    } else {
        (band * 5, band * 5 + 5)
    };
    let age_days = rng.random_range((lo as i32 * 365 + 1)..(hi as i32 * 365));
    reference.plus_days(-age_days)
}

pub fn household_size(rng: &mut impl Rng) -> usize {
    weighted(rng, &HOUSEHOLD_SIZES) + 1
}

pub fn draw_sex(rng: &mut impl Rng) -> Sex {
    if rng.random_bool(0.5) {
        Sex::Male
    } else {
        Sex::Female
    }
}

/// Hands out personal identification numbers, never the same twice: one
/// issuer serves the whole output, so people born in one province but
/// living in different ones never share a serial.
#[derive(Default)]
pub struct IdIssuer {
    next_serial: HashMap<(u16, u8, i16), u32>,
}

/// The birth-province code most people living in `province` (a 2-digit
/// code) carry. A 2025 province whose code was not a birth code before
/// borrows one deterministically.
pub fn home_birth_province(province: u16) -> u16 {
    if BIRTH_PROVINCE_CODES.contains(&province) {
        province
    } else {
        BIRTH_PROVINCE_CODES[province as usize % BIRTH_PROVINCE_CODES.len()]
    }
}

impl IdIssuer {
    /// An ID for someone living in a province whose people were mostly born
    /// in `home` (see [`home_birth_province`]).
    pub fn issue(&mut self, rng: &mut impl Rng, home: u16, sex: Sex, birth: Day) -> CitizenId {
        let mut province = if rng.random_bool(0.85) {
            home
        } else {
            BIRTH_PROVINCE_CODES[rng.random_range(0..BIRTH_PROVINCE_CODES.len())]
        };
        loop {
            let key = (province, sex as u8, birth.year());
            let serial = self
                .next_serial
                .entry(key)
                .or_insert_with(|| rng.random_range(0..400_000));
            if *serial < 1_000_000 {
                let id = CitizenId::compose(province, sex, birth.year(), *serial)
                    .expect("birth provinces and years in range make valid IDs");
                *serial += 1;
                return id;
            }
            // This birth province's serials for the year are used up.
            let i = BIRTH_PROVINCE_CODES
                .iter()
                .position(|&p| p == province)
                .unwrap_or(0);
            province = BIRTH_PROVINCE_CODES[(i + 1) % BIRTH_PROVINCE_CODES.len()];
        }
    }
}
