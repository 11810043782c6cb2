//! `contacts import` and `contacts list` on the hand-made Bến Tre fixture
//! (tests/data/units.csv): a file's rows replace the contacts of the units
//! it names, in file order; a refused row changes nothing.

mod common;

use common::{Phuxanh, data};
use serde_json::{Value, json};

fn import(p: &Phuxanh, name: &str) -> String {
    p.ok(&["contacts", "import", data(name).to_str().unwrap()])
}

/// Every contact as `unit name tel`.
fn listed(p: &Phuxanh) -> Vec<String> {
    let list = p.json(&["contacts", "list", "--format", "json"]);
    list["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            format!(
                "{} {} {}",
                c["unit"].as_str().unwrap(),
                c["name"].as_str().unwrap(),
                c["tel"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn a_file_sets_each_named_unit_s_contacts_in_file_order() {
    let p = Phuxanh::with_fixture();
    let out = import(&p, "contacts.csv");
    let file = data("contacts.csv").display().to_string();
    assert_eq!(
        out,
        format!(
            "{file}: 4 dòng đọc (read), 4 áp dụng (applied), 0 không đổi (unchanged), 0 từ chối (refused)\n\
             4 liên hệ của 3 đơn vị (contacts for units)\n"
        )
    );
    // The district first, then its communes by code, each unit's in file order;
    // the tel: form is +84 and the national number without its 0.
    assert_eq!(
        listed(&p),
        [
            "837 Phạm Thị Dung +842753870104",
            "28900 Nguyễn Văn An +84900000101",
            "28900 Trần Thị Bình +84900000102",
            "28903 Lê Văn Cường +84900000103",
        ]
    );
    // One unit and those under it: district 837 holds both communes.
    let district = p.json(&["contacts", "list", "--unit", "837", "--format", "json"]);
    assert_eq!(district["contacts"].as_array().unwrap().len(), 4);
    let first: &Value = &district["contacts"][1];
    assert_eq!(
        *first,
        json!({
            "unit": "28900",
            "unit_name": "Thị trấn Thạnh Phú",
            "name": "Nguyễn Văn An",
            "title": "Trưởng Công an thị trấn",
            "phone": "0900 000 101",
            "tel": "+84900000101",
            "email": "an.nv@congan.example.vn",
            "note": "Trực 24/7",
        })
    );
    // District 836 has no contacts, nor does anything under it.
    let other = p.json(&["contacts", "list", "--unit", "836", "--format", "json"]);
    assert_eq!(other, json!({"unit": "836", "below": true, "contacts": []}));
    // The terminal table, in Vietnamese.
    let table = p.ok(&["contacts", "list", "--unit", "28903"]);
    assert!(
        table.starts_with("Liên hệ của đơn vị 28903 và các đơn vị trực thuộc: 1\n"),
        "{table}"
    );
    assert!(table.contains("Lê Văn Cường") && table.contains("+84 900 000 103"));
}

#[test]
fn importing_the_same_file_again_changes_nothing() {
    let p = Phuxanh::with_fixture();
    import(&p, "contacts.csv");
    let before = listed(&p);
    let out = import(&p, "contacts.csv");
    assert!(
        out.contains("4 dòng đọc (read), 0 áp dụng (applied), 4 không đổi (unchanged)"),
        "{out}"
    );
    assert_eq!(listed(&p), before);
}

#[test]
fn a_new_file_replaces_the_contacts_of_the_units_it_names_only() {
    let p = Phuxanh::with_fixture();
    import(&p, "contacts.csv");
    // The new file (columns in another order) names 28900 with An only, and
    // 28903 with Cường and a new deputy, Em; it does not name 837.
    let out = import(&p, "contacts_replaced.csv");
    assert!(
        out.contains("3 dòng đọc (read), 1 áp dụng (applied), 2 không đổi (unchanged)"),
        "{out}"
    );
    assert!(
        out.ends_with(
            "3 liên hệ của 2 đơn vị (contacts for units); 1 liên hệ không còn trong tệp đã bỏ (removed)\n"
        ),
        "{out}"
    );
    assert_eq!(
        listed(&p),
        [
            "837 Phạm Thị Dung +842753870104",
            "28900 Nguyễn Văn An +84900000101",
            "28903 Lê Văn Cường +84900000103",
            "28903 Hồ Thị Em +84900000105",
        ]
    );
}

#[test]
fn a_bad_line_refuses_the_whole_file_naming_file_and_line() {
    let p = Phuxanh::with_fixture();
    import(&p, "contacts.csv");
    let before = listed(&p);
    let (refusals, stderr) = p.refused_import("contacts", "bad_contacts.csv");
    assert_eq!(
        refusals,
        [
            ":3: unknown unit '99999': check the code (`phuxanh units list`), or add the unit first (`phuxanh units import`)",
            ":4: phone '0900 000 1' has 8 digits; a Vietnamese number has 9 to 11 (0 and the subscriber's number)",
        ]
    );
    assert!(
        stderr.contains("nothing was imported from")
            && stderr.contains("2 rows refused, and the contacts stored are as they were"),
        "{stderr}"
    );
    // Line 2 was valid and would have replaced 28900's two contacts by one:
    // nothing changed.
    assert_eq!(listed(&p), before);
}

#[test]
fn a_missing_column_is_named() {
    let p = Phuxanh::with_fixture();
    let file = p.dir.path().join("no_phone.csv");
    std::fs::write(&file, "unit_code,name,title\n28900,A,B\n").unwrap();
    let out = p.run(&["contacts", "import", file.to_str().unwrap()]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("missing column(s) phone; a contacts file needs the columns"),
        "{stderr}"
    );
}

/// The demo imports the generated police chiefs, so its dashboard has a
/// phone to call for the province and every unit under it.
#[test]
fn the_demo_has_a_contact_for_every_unit() {
    let p = Phuxanh::empty();
    let demo = p.db();
    p.ok(&[
        "demo",
        "--demo-db",
        demo.to_str().unwrap(),
        "--citizens",
        "10000",
        "--no-serve",
    ]);
    let contacts = p.json(&["contacts", "list", "--unit", "83", "--format", "json"]);
    let contacts = contacts["contacts"].as_array().unwrap();
    let units: std::collections::BTreeSet<&str> = contacts
        .iter()
        .map(|c| c["unit"].as_str().unwrap())
        .collect();
    let progress = p.json(&[
        "progress",
        "--unit",
        "83",
        "--children",
        "--format",
        "json",
        "--as-of",
        "2023-11-14",
    ]);
    let children = progress["children"].as_array().unwrap();
    assert!(!children.is_empty());
    for unit in children
        .iter()
        .map(|c| c["unit"]["code"].as_str().unwrap())
        .chain(["83"])
    {
        assert!(units.contains(unit), "no contact for {unit}");
    }
    let province = contacts.iter().find(|c| c["unit"] == "83").unwrap();
    assert_eq!(province["title"], "Giám đốc Công an tỉnh");
    assert!(province["tel"].as_str().unwrap().starts_with("+849"));
}
