//! `compare`, `daily`, `ranking`, `completed` on the hand-made Bến Tre
//! fixture (tests/data). First days of collection, by unit:
//!
//! | citizen | unit | collected | activated |
//! |---|---|---|---|
//! | An | 28900-K1 (Thạnh Phú) | 20/08 (L2) | 25/08 |
//! | Bình | 28900 (Thạnh Phú) | 21/08 | – |
//! | Em | 28800 (Ba Tri) | 26/08 (L2) | 05/09 |
//! | Phương | 28903 (Thạnh Phú) | 02/09 | 06/09 |
//! | Lan | 28800 (Ba Tri) | 09/09 21:00 (L2) | – |
//! | Cường | 28903 (Thạnh Phú) | 10/09 | – |
//! | Khánh | 28903 (Thạnh Phú) | 12/09 | – |
//!
//! Targets for collected: Bến Tre 9, Thạnh Phú (837) 7, Ba Tri (836) 2.

mod common;

use common::Phuxanh;
use expect_test::expect;

#[test]
fn compare_puts_a_window_beside_the_one_before() {
    let p = Phuxanh::with_fixture();
    let v = p.json(&[
        "compare",
        "--unit",
        "83",
        "--from",
        "2023-09-01",
        "--to",
        "2023-09-10",
        "--format",
        "json",
    ]);
    assert_eq!(v["window"]["days"], 10);
    assert_eq!(v["baseline"]["from"], "2023-08-22");
    assert_eq!(v["baseline"]["to"], "2023-08-31");
    // Window: Phương, Lan, Cường; baseline: Em. (3 − 1) / 1 = 200%.
    assert_eq!(v["unit"]["window"]["collected"], 3);
    assert_eq!(v["unit"]["baseline"]["collected"], 1);
    assert_eq!(v["unit"]["growth_pct"]["collected"], 200.0);
    // Activated: Em, Phương against An.
    assert_eq!(v["unit"]["growth_pct"]["activated"], 100.0);
    let children = v["children"].as_array().unwrap();
    let ba_tri = &children[0];
    assert_eq!(ba_tri["unit"]["code"], "836");
    assert_eq!(ba_tri["window"]["collected"], 1);
    assert_eq!(ba_tri["growth_pct"]["collected"], 0.0);
    // Thạnh Phú collected nobody in the baseline: no growth percentage.
    let thanh_phu = &children[1];
    assert_eq!(thanh_phu["window"]["collected"], 2);
    assert_eq!(
        thanh_phu["growth_pct"]["collected"],
        serde_json::Value::Null
    );

    let table = p.ok(&[
        "compare",
        "--unit",
        "83",
        "--from",
        "2023-09-01",
        "--to",
        "2023-09-10",
    ]);
    expect![[r#"
        Tỉnh Bến Tre — từ 01/09/2023 đến 10/09/2023 (10 ngày), so với 22/08/2023 đến 31/08/2023
        ┌─────┬─────────────────┬───────────────────┬───────────────────┬────────────────────┬────────────────────┬────────────────────┬─────────────────────┐
        │ Mã  ┆ Đơn vị          ┆ Thu nhận trong kỳ ┆ Thu nhận kỳ trước ┆ Thu nhận tăng/giảm ┆ Kích hoạt trong kỳ ┆ Kích hoạt kỳ trước ┆ Kích hoạt tăng/giảm │
        ╞═════╪═════════════════╪═══════════════════╪═══════════════════╪════════════════════╪════════════════════╪════════════════════╪═════════════════════╡
        │ 83  ┆ Tỉnh Bến Tre    ┆                 3 ┆                 1 ┆            200,00% ┆                  2 ┆                  1 ┆             100,00% │
        │ 836 ┆ Huyện Ba Tri    ┆                 1 ┆                 1 ┆              0,00% ┆                  1 ┆                  0 ┆                   – │
        │ 837 ┆ Huyện Thạnh Phú ┆                 2 ┆                 0 ┆                  – ┆                  1 ┆                  1 ┆               0,00% │
        └─────┴─────────────────┴───────────────────┴───────────────────┴────────────────────┴────────────────────┴────────────────────┴─────────────────────┘
    "#]]
    .assert_eq(&table);
}

#[test]
fn daily_gives_the_days_increase_and_the_weekday() {
    let p = Phuxanh::with_fixture();
    // Saturday 09/09: Lan applied at level 2 (21:00 local), in Ba Tri.
    let v = p.json(&[
        "daily",
        "--unit",
        "83",
        "--date",
        "2023-09-09",
        "--format",
        "json",
    ]);
    assert_eq!(v["weekday"], "Thứ Bảy");
    assert_eq!(v["weekend"], true);
    assert_eq!(v["unit"]["increase"]["collected"], 1);
    assert_eq!(v["unit"]["increase"]["collected_l2"], 1);
    assert_eq!(v["unit"]["increase"]["activated"], 0);
    assert_eq!(v["unit"]["total"]["collected"], 5);
    assert_eq!(v["children"][0]["increase"]["collected"], 1);
    assert_eq!(v["children"][1]["increase"]["collected"], 0);
    let csv = p.ok(&[
        "daily",
        "--unit",
        "83",
        "--date",
        "2023-09-09",
        "--format",
        "csv",
    ]);
    let first = csv.lines().nth(1).unwrap();
    // Level-2 applicants so far: An, Em, Lan.
    assert!(first.starts_with("83,Tỉnh Bến Tre,1,5,1,3,"), "{csv}");
}

#[test]
fn ranking_orders_by_target_percentage_and_shows_the_day_before() {
    let p = Phuxanh::with_fixture();
    // 26/08: Ba Tri 1/2 = 50%, Thạnh Phú 2/7 = 28,57%. On 25/08 Ba Tri had
    // nobody (0%), so it was second.
    let v = p.json(&[
        "ranking",
        "--unit",
        "83",
        "--metric",
        "collected",
        "--as-of",
        "2023-08-26",
        "--format",
        "json",
    ]);
    assert_eq!(v["ranked"], 2);
    let rows = v["rows"].as_array().unwrap();
    assert_eq!(rows[0]["unit"]["code"], "836");
    assert_eq!(rows[0]["target_pct"], 50.0);
    assert_eq!(
        (rows[0]["rank_before"].as_u64(), rows[0]["change"].as_i64()),
        (Some(2), Some(1))
    );
    assert_eq!(rows[1]["unit"]["code"], "837");
    assert_eq!(rows[1]["target_pct"], 28.57);
    assert_eq!(rows[1]["change"], -1);
    let bottom = p.json(&[
        "ranking",
        "--unit",
        "83",
        "--metric",
        "collected",
        "--as-of",
        "2023-08-26",
        "--bottom",
        "1",
        "--format",
        "json",
    ]);
    assert_eq!(bottom["rows"][0]["unit"]["code"], "837");
    assert_eq!(bottom["rows"].as_array().unwrap().len(), 1);
    // Communes have no targets: ranked by count after the units that have one.
    let communes = p.json(&[
        "ranking",
        "--unit",
        "83",
        "--metric",
        "collected",
        "--level",
        "commune",
        "--as-of",
        "2023-09-30",
        "--format",
        "json",
    ]);
    let codes: Vec<&str> = communes["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["unit"]["code"].as_str().unwrap())
        .collect();
    // 28903: Phương, Cường, Khánh (3); 28800: Em, Lan (2); 28900: Bình (1,
    // An lives in its village).
    assert_eq!(codes, ["28903", "28800", "28900"]);
}

#[test]
fn completed_lists_units_with_the_day_they_reached_the_target() {
    let p = Phuxanh::with_fixture();
    let v = p.json(&[
        "completed",
        "--unit",
        "83",
        "--metric",
        "collected",
        "--as-of",
        "2023-09-30",
        "--format",
        "json",
    ]);
    assert_eq!(v["units"], 2);
    assert_eq!(v["with_target"], 2);
    let rows = v["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{v}");
    assert_eq!(rows[0]["unit"]["code"], "836");
    assert_eq!(rows[0]["reached_on"], "2023-09-09");
    assert_eq!(rows[0]["on_time"], true);
    // Before Lan applied, nobody had completed.
    let before = p.json(&[
        "completed",
        "--unit",
        "83",
        "--metric",
        "collected",
        "--as-of",
        "2023-09-08",
        "--format",
        "json",
    ]);
    assert_eq!(before["rows"].as_array().unwrap().len(), 0);
}

#[test]
fn analytics_refuse_bad_arguments_clearly() {
    let p = Phuxanh::with_fixture();
    let out = p.run(&[
        "compare",
        "--unit",
        "83",
        "--from",
        "2023-09-10",
        "--to",
        "2023-09-01",
    ]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("ends (2023-09-01) before it starts"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = p.run(&["ranking", "--unit", "83", "--metric", "approved"]);
    assert!(!out.status.success());
    let out = p.run(&["daily", "--unit", "99", "--date", "2023-09-09"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("unit '99' does not exist"));
    let out = p.run(&["daily", "--unit", "83", "--format", "xlsx"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("--out"));
}

#[test]
fn targets_set_keeps_the_history_and_list_warns_when_children_do_not_add_up() {
    let p = Phuxanh::with_fixture();
    p.ok(&[
        "targets",
        "set",
        "--unit",
        "83",
        "--metric",
        "collected",
        "--value",
        "10",
        "--deadline",
        "2023-12-31",
    ]);
    let v = p.json(&[
        "targets",
        "list",
        "--unit",
        "83",
        "--history",
        "--format",
        "json",
    ]);
    let collected: Vec<&serde_json::Value> = v["targets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["unit"]["code"] == "83" && t["metric"] == "collected")
        .collect();
    assert_eq!(collected.len(), 2, "{v}");
    assert_eq!(collected[0]["value"], "9");
    assert!(collected[0]["superseded_at"].is_string());
    assert_eq!(collected[1]["value"], "10");
    assert_eq!(collected[1]["deadline"], "2023-12-31");
    assert!(collected[1]["set_by"].as_str().unwrap().starts_with("cli"));
    // Children: Thạnh Phú 7 + Ba Tri 2 = 9, not 10.
    assert_eq!(
        v["warnings"][0],
        "Chỉ tiêu thu nhận của 2 đơn vị trực thuộc (2/2 đơn vị có chỉ tiêu) cộng lại 9, khác chỉ tiêu của Tỉnh Bến Tre (10)."
    );
}

#[test]
fn allocate_splits_exactly_and_refuses_to_overwrite_without_replace() {
    let p = Phuxanh::with_fixture();
    let args = [
        "targets",
        "allocate",
        "--unit",
        "837",
        "--metric",
        "activated",
        "--value",
        "7",
        "--deadline",
        "2023-12-15",
        "--by",
        "eligible",
        "--as-of",
        "2023-09-30",
        "--format",
        "json",
    ];
    // Eligible in Thạnh Phú's communes on 30/09: 28900 has An (in its
    // village), Bình and Hoa = 3; 28903 has Cường, Phương, Khánh = 3.
    // 7 by 3:3 → 3.5 each; the first takes the leftover unit.
    let v = p.json(&args);
    let shares = v["shares"].as_array().unwrap();
    assert_eq!(shares[0]["unit"]["code"], "28900");
    assert_eq!(shares[0]["weight"], 3);
    assert_eq!(shares[0]["value"], "4");
    assert_eq!(shares[1]["value"], "3");
    let after = p.json(&["targets", "list", "--unit", "837", "--format", "json"]);
    assert_eq!(after["warnings"].as_array().unwrap().len(), 0, "{after}");
    // Again: the children have targets now.
    let out = p.run(&args);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("2 of the children already have a target for activated"),
        "{err}"
    );
    assert!(err.contains("--replace"), "{err}");
    let mut replace = args.to_vec();
    replace.push("--replace");
    replace[7] = "8";
    let v = p.json(&replace);
    assert_eq!(v["shares"][0]["value"], "4");
    assert_eq!(v["shares"][1]["value"], "4");
}

#[test]
fn a_named_campaign_is_compared_with_the_window_before_it() {
    let p = Phuxanh::with_fixture();
    let out = p.ok(&[
        "campaigns",
        "add",
        "Cao điểm 10 ngày",
        "--from",
        "2023-09-01",
        "--to",
        "2023-09-10",
        "--unit",
        "83",
    ]);
    assert!(
        out.contains(
            "10 ngày, từ 01/09/2023 đến 10/09/2023; so sánh với 22/08/2023 đến 31/08/2023"
        ),
        "{out}"
    );
    // The same name again is refused; the name may be typed decomposed.
    let out = p.run(&[
        "campaigns",
        "add",
        "Cao đie\u{302}\u{309}m 10 ngày",
        "--from",
        "2023-09-01",
        "--to",
        "2023-09-02",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("exists already"));
    let v = p.json(&[
        "compare",
        "--campaign",
        "Cao điểm 10 ngày",
        "--format",
        "json",
    ]);
    assert_eq!(v["campaign"], "Cao điểm 10 ngày");
    assert_eq!(v["unit"]["unit"]["code"], "83");
    assert_eq!(v["unit"]["growth_pct"]["collected"], 200.0);
    let list = p.json(&["campaigns", "list", "--format", "json"]);
    assert_eq!(list["campaigns"][0]["baseline"]["from"], "2023-08-22");
    let out = p.run(&["compare", "--campaign", "60 ngày đêm"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("there are 'Cao điểm 10 ngày'"));
}

#[test]
fn funnel_gives_conversions_and_median_days_per_step() {
    let p = Phuxanh::with_fixture();
    let v = p.json(&[
        "funnel",
        "--unit",
        "83",
        "--as-of",
        "2023-09-30",
        "--format",
        "json",
    ]);
    let steps = &v["unit"]["steps"];
    // Collected → approved: An 2 days, Bình 10 (first collected 21/08,
    // approved 31/08), Em 2, Phương 2: median 2; 4 of 7 approved.
    assert_eq!(steps["collected_to_approved"]["from"], 7);
    assert_eq!(steps["collected_to_approved"]["to"], 4);
    assert_eq!(steps["collected_to_approved"]["conversion_pct"], 57.14);
    assert_eq!(steps["collected_to_approved"]["timed"], 4);
    assert_eq!(steps["collected_to_approved"]["median_days"], 2.0);
    // Approved → activated: An 3, Em 8, Phương 2: median 3.
    assert_eq!(steps["approved_to_activated"]["median_days"], 3.0);
    assert_eq!(steps["approved_to_activated"]["conversion_pct"], 75.0);
    // Activated → used: An 7, Phương 2: median 4.5.
    assert_eq!(steps["activated_to_used"]["median_days"], 4.5);
    assert_eq!(steps["activated_to_used"]["conversion_pct"], 66.67);
    // Ba Tri: Em's steps only; nobody used an account there.
    let ba_tri = &v["children"][0]["steps"];
    assert_eq!(ba_tri["approved_to_activated"]["median_days"], 8.0);
    assert_eq!(
        ba_tri["activated_to_used"]["median_days"],
        serde_json::Value::Null
    );
    assert_eq!(ba_tri["activated_to_used"]["conversion_pct"], 0.0);
    let table = p.ok(&["funnel", "--unit", "83", "--as-of", "2023-09-30"]);
    assert!(table.contains("4,5"), "{table}");
    assert!(table.contains("57,14%"), "{table}");
}

/// The period report of the fixture as of 10/09 (collected 6 of a target
/// of 9, activated 3 of 50% of 8 eligible), over the campaign 01–10/09.
fn report_of(p: &Phuxanh, name: &str) -> std::path::PathBuf {
    p.ok(&[
        "campaigns",
        "add",
        "Cao điểm",
        "--from",
        "2023-09-01",
        "--to",
        "2023-09-10",
        "--unit",
        "83",
    ]);
    let out = p.dir.path().join(name);
    p.ok(&[
        "report",
        "--campaign",
        "Cao điểm",
        "--as-of",
        "2023-09-10",
        "--out",
        out.to_str().unwrap(),
    ]);
    out
}

#[test]
fn the_xlsx_report_reads_back_with_every_part() {
    use calamine::Reader;
    let p = Phuxanh::with_fixture();
    let xlsx = report_of(&p, "bao-cao.xlsx");
    let mut book = calamine::open_workbook_auto(&xlsx).unwrap();
    assert_eq!(
        book.sheet_names(),
        [
            "Tổng hợp",
            "Đơn vị trực thuộc",
            "Dẫn đầu",
            "Thấp nhất",
            "Hoàn thành thu nhận",
            "Hoàn thành kích hoạt",
            "So sánh",
            "Từng ngày"
        ]
    );
    // The summary's figures, in cells (tests/report_format.rs reads them all).
    let summary = book.worksheet_range("Tổng hợp").unwrap();
    let first: Vec<String> = summary.rows().map(|r| r[0].to_string()).collect();
    assert!(
        first[0].starts_with("Tổng hợp kết quả — Tỉnh Bến Tre"),
        "{first:?}"
    );
    assert!(first.iter().any(|l| l == "Thu nhận trong kỳ"), "{first:?}");
    let units = book.worksheet_range("Đơn vị trực thuộc").unwrap();
    let codes: Vec<String> = units.rows().skip(3).map(|r| r[0].to_string()).collect();
    assert_eq!(codes, ["83", "836", "837"]);
    // The days: 10 rows, Lan's application on Saturday 09/09.
    let days = book.worksheet_range("Từng ngày").unwrap();
    let rows: Vec<Vec<String>> = days
        .rows()
        .skip(3)
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(rows.len(), 10);
    assert_eq!(rows[8][1], "Thứ Bảy");
    assert_eq!(rows[8][2], "1");
    let completed = book.worksheet_range("Hoàn thành thu nhận").unwrap();
    assert_eq!(completed.rows().nth(3).unwrap()[0].to_string(), "836");
}

#[test]
fn the_pdf_report_embeds_a_font_with_vietnamese_text() {
    let p = Phuxanh::with_fixture();
    let pdf = report_of(&p, "bao-cao.pdf");
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    let text = std::process::Command::new("pdftotext")
        .args(["-layout", pdf.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext is missing: install Debian's poppler-utils (scripts/test does)");
    assert!(text.status.success());
    let text = String::from_utf8(text.stdout).unwrap();
    for expected in [
        "BÁO CÁO",
        "tỉnh Bến Tre tính đến hết ngày 10/09/2023",
        "Thu nhận: 6 / chỉ tiêu 9 (66,67%)",
        "II. Kết quả các đơn vị trực thuộc",
        "Huyện Thạnh Phú",
        "VI. Kết quả từng ngày",
    ] {
        assert!(text.contains(expected), "'{expected}' not in:\n{text}");
    }
}

/// The analytics agree with each other and with `progress` on a generated
/// Bến Tre: what one command says, another must say too.
#[test]
fn analytics_on_a_generated_campaign_agree_with_each_other() {
    let (p, generated) = Phuxanh::with_generated_roster("10000", "7");
    for (cmd, file) in [("events", "events.csv"), ("targets", "targets.csv")] {
        p.ok(&[cmd, "import", generated.join(file).to_str().unwrap()]);
    }
    let (from, to) = ("2023-08-20", "2023-10-18");
    let window = p.json(&[
        "compare", "--unit", "83", "--from", from, "--to", to, "--format", "json",
    ]);
    // The window's increase is the sum of its days' results.
    let mut summed = [0i64; 2];
    let mut day: phuxanh_domain::Day = from.parse().unwrap();
    let last: phuxanh_domain::Day = to.parse().unwrap();
    while day <= last {
        let d = p.json(&[
            "daily",
            "--unit",
            "83",
            "--date",
            &day.to_string(),
            "--format",
            "json",
        ]);
        summed[0] += d["unit"]["increase"]["collected"].as_i64().unwrap();
        summed[1] += d["unit"]["increase"]["activated"].as_i64().unwrap();
        day = day.plus_days(1);
    }
    assert_eq!(
        window["unit"]["window"]["collected"].as_i64().unwrap(),
        summed[0]
    );
    assert_eq!(
        window["unit"]["window"]["activated"].as_i64().unwrap(),
        summed[1]
    );
    assert!(summed[0] > 0, "the generated peak collects applications");

    // Ranking: every district once, ranks 1..n, percentages non-increasing,
    // each agreeing with progress.
    let as_of = "2023-11-14";
    let progress = p.json(&[
        "progress",
        "--unit",
        "83",
        "--children",
        "--as-of",
        as_of,
        "--format",
        "json",
    ]);
    let ranking = p.json(&[
        "ranking",
        "--unit",
        "83",
        "--metric",
        "collected",
        "--as-of",
        as_of,
        "--format",
        "json",
    ]);
    let rows = ranking["rows"].as_array().unwrap();
    assert_eq!(rows.len(), progress["children"].as_array().unwrap().len());
    let mut previous = f64::MAX;
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(r["rank"], i as u64 + 1);
        let pct = r["target_pct"]
            .as_f64()
            .expect("generated districts have targets");
        assert!(pct <= previous, "{ranking}");
        previous = pct;
        let child = progress["children"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["unit"]["code"] == r["unit"]["code"])
            .unwrap();
        assert_eq!(child["counts"]["collected"], r["count"]);
        assert_eq!(child["target_pct"]["collected"], r["target_pct"]);
    }

    // Completed: at or above target, reached no later than the as-of day,
    // and not yet reached the day before.
    let completed = p.json(&[
        "completed",
        "--unit",
        "83",
        "--metric",
        "collected",
        "--level",
        "commune",
        "--as-of",
        "2023-12-31",
        "--format",
        "json",
    ]);
    for r in completed["rows"].as_array().unwrap() {
        assert!(r["count"].as_i64() >= r["target"].as_i64(), "{r}");
        let reached: phuxanh_domain::Day = r["reached_on"].as_str().unwrap().parse().unwrap();
        let code = r["unit"]["code"].as_str().unwrap();
        let before = p.json(&[
            "progress",
            "--unit",
            code,
            "--as-of",
            &reached.plus_days(-1).to_string(),
            "--format",
            "json",
        ]);
        let target = before["targets"]["collected"]["value"].as_i64().unwrap();
        assert!(
            before["counts"]["collected"].as_i64().unwrap() < target,
            "{code}"
        );
    }

    // Funnel: its stage counts are progress's.
    let funnel = p.json(&[
        "funnel", "--unit", "83", "--as-of", as_of, "--format", "json",
    ]);
    let steps = &funnel["unit"]["steps"];
    assert_eq!(
        steps["collected_to_approved"]["from"],
        progress["unit"]["counts"]["collected"]
    );
    assert_eq!(
        steps["approved_to_activated"]["to"],
        progress["unit"]["counts"]["activated"]
    );
    assert!(
        steps["collected_to_approved"]["median_days"]
            .as_f64()
            .is_some()
    );

    // Allocation by each basis sums exactly.
    for by in ["eligible", "population", "equal"] {
        let v = p.json(&[
            "targets",
            "allocate",
            "--unit",
            "831",
            "--metric",
            "used",
            "--value",
            "7919",
            "--deadline",
            "2023-12-31",
            "--by",
            by,
            "--replace",
            "--format",
            "json",
        ]);
        let sum: i64 = v["shares"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["value"].as_str().map_or(0, |v| v.parse::<i64>().unwrap()))
            .sum();
        assert_eq!(sum, 7919, "{by}: {v}");
    }
}

#[test]
fn the_report_covers_the_period_chosen_as_the_pages_do() {
    let p = Phuxanh::with_fixture();
    report_of(&p, "unused.json");
    let window = |args: &[&str]| {
        let out = p.dir.path().join("r.json");
        let mut all = vec!["report", "--unit", "83", "--out", out.to_str().unwrap()];
        all.extend_from_slice(args);
        p.ok(&all);
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
        let w = &v["comparison"]["window"];
        (
            w["from"].as_str().unwrap().to_string(),
            w["to"].as_str().unwrap().to_string(),
            v["comparison"]["campaign"].clone(),
        )
    };
    // A campaign looked at inside it is cut at the day (01/09–05/09).
    let (from, to, name) = window(&["--campaign", "Cao điểm", "--as-of", "2023-09-05"]);
    assert_eq!(
        (from.as_str(), to.as_str(), name.as_str()),
        ("2023-09-01", "2023-09-05", Some("Cao điểm"))
    );
    let (from, to, _) = window(&["--days", "7", "--as-of", "2023-09-05"]);
    assert_eq!((from.as_str(), to.as_str()), ("2023-08-30", "2023-09-05"));
    let (from, to, _) = window(&["--from", "2023-09-03", "--as-of", "2023-09-05"]);
    assert_eq!((from.as_str(), to.as_str()), ("2023-09-03", "2023-09-05"));
    let (from, _, name) = window(&["--as-of", "2023-09-05"]);
    assert_eq!((from.as_str(), name.as_str()), ("2023-08-07", None));
}
