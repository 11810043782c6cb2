//! Vietnamese names, drawn with realistic weights: about 38% of people are
//! Nguyễn, and middle names carry the sex (Văn, Thị) more often than not.

use rand::Rng;

use phuxanh_domain::Sex;

/// Family names with their approximate share of the population (per mille).
const FAMILY: &[(&str, u32)] = &[
    ("Nguyễn", 380),
    ("Trần", 110),
    ("Lê", 95),
    ("Phạm", 70),
    ("Hoàng", 30),
    ("Huỳnh", 21),
    ("Phan", 45),
    ("Vũ", 20),
    ("Võ", 19),
    ("Đặng", 21),
    ("Bùi", 20),
    ("Đỗ", 14),
    ("Hồ", 13),
    ("Ngô", 13),
    ("Dương", 10),
    ("Lý", 5),
    ("Trương", 8),
    ("Đinh", 6),
];

const MIDDLE_MALE: &[&str] = &[
    "Văn", "Văn", "Văn", "Hữu", "Đức", "Minh", "Quốc", "Thanh", "Công", "Ngọc",
];
const MIDDLE_FEMALE: &[&str] = &[
    "Thị", "Thị", "Thị", "Ngọc", "Thanh", "Thu", "Kim", "Minh", "Hồng", "Phương",
];

const GIVEN_MALE: &[&str] = &[
    "An", "Bình", "Cường", "Dũng", "Đạt", "Em", "Giang", "Hải", "Hùng", "Huy", "Khánh", "Khoa",
    "Lâm", "Long", "Minh", "Nam", "Nghĩa", "Phong", "Phúc", "Quang", "Sơn", "Tài", "Thắng",
    "Thành", "Tiến", "Toàn", "Trung", "Tuấn", "Việt", "Vinh",
];
const GIVEN_FEMALE: &[&str] = &[
    "Anh", "Bích", "Chi", "Diệp", "Dung", "Giang", "Hà", "Hạnh", "Hằng", "Hoa", "Hương", "Huyền",
    "Lan", "Liên", "Linh", "Loan", "Mai", "Ngân", "Ngọc", "Nhung", "Oanh", "Phương", "Quyên",
    "Thảo", "Thủy", "Trang", "Trinh", "Tuyết", "Vân", "Yến",
];

/// A family name, weighted by how common it is.
pub fn family_name(rng: &mut impl Rng) -> &'static str {
    let total: u32 = FAMILY.iter().map(|(_, w)| w).sum();
    let mut x = rng.random_range(0..total);
    for (name, w) in FAMILY {
        if x < *w {
            return name;
        }
        x -= w;
    }
    FAMILY[0].0
}

/// A full name for someone of `family` and `sex`.
pub fn full_name(rng: &mut impl Rng, family: &str, sex: Sex) -> String {
    let (middle, given) = match sex {
        Sex::Male => (MIDDLE_MALE, GIVEN_MALE),
        Sex::Female => (MIDDLE_FEMALE, GIVEN_FEMALE),
    };
    format!(
        "{family} {} {}",
        middle[rng.random_range(0..middle.len())],
        given[rng.random_range(0..given.len())]
    )
}

/// Reasons a commune officer writes when an application is refused.
pub const REJECTION_REASONS: &[&str] = &[
    "Ảnh chân dung không đạt",
    "Sai thông tin cá nhân",
    "Không xác thực được số điện thoại",
    "Thiếu thông tin thẻ căn cước",
];
