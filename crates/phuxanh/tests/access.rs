//! `users`, `tokens` and `audit` as an administrator uses them on the
//! command line: provisioning, one-time passwords, tokens shown once and
//! stored hashed, and an audit log that `audit verify` catches tampering in.

mod common;

use common::Phuxanh;
use phuxanh_store::access::AccessStore;
use rusqlite::Connection;

fn fixture_with_users() -> Phuxanh {
    let p = Phuxanh::with_fixture();
    let file = p.dir.path().join("users.csv");
    std::fs::write(
        &file,
        "username,full_name,role,unit_code,team_id,phone\n\
         ca.bentre,Trần Văn Tỉnh,manager,83,,\n\
         ca.thanhphu,Lê Thị Huyện,manager,837,,0912345678\n\
         to.thitran,Nguyễn Văn Tổ,team,28900,T1,\n\
         xem.bentre,Phạm Thị Xem,viewer,83,,\n",
    )
    .unwrap();
    let out = p.ok(&["users", "import", file.to_str().unwrap()]);
    assert!(out.contains("4 người dùng"), "{out}");
    p
}

#[test]
fn init_makes_an_administrator_with_a_one_time_password() {
    let p = Phuxanh::new();
    let store = p.store();
    let users = store.users().unwrap();
    assert_eq!(users.len(), 1);
    assert_eq!(users[0].username.as_str(), "admin");
    assert!(users[0].must_change);
    // The password printed is nowhere in the database.
    let conn = Connection::open(p.db()).unwrap();
    let hash: String = conn
        .query_row("SELECT password_hash FROM users", [], |r| r.get(0))
        .unwrap();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
}

#[test]
fn a_users_file_is_created_whole_or_not_at_all() {
    let p = fixture_with_users();
    let list = p.json(&["users", "list", "--format", "json"]);
    let names: Vec<&str> = list["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "admin",
            "ca.bentre",
            "ca.thanhphu",
            "to.thitran",
            "xem.bentre"
        ]
    );
    assert_eq!(list["users"][3]["state"], "must-change-password");

    // One bad row (a taken name, an unknown unit, a unit-less manager)
    // refuses the file, naming each line.
    let bad = p.dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "username,full_name,role,unit_code\n\
         moi.mot,Một,viewer,83\n\
         ca.bentre,Trùng,viewer,83\n\
         moi.hai,Hai,manager,99999\n\
         moi.ba,Ba,manager,\n",
    )
    .unwrap();
    let out = p.run(&["users", "import", bad.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.csv:3: username: 'ca.bentre' is taken"),
        "{err}"
    );
    assert!(err.contains("bad.csv:4: unit_code"), "{err}");
    assert!(err.contains("bad.csv:5:"), "{err}");
    assert_eq!(p.store().users().unwrap().len(), 5, "nobody was added");
}

#[test]
fn passwords_can_be_written_to_a_private_file_and_reset() {
    let p = Phuxanh::with_fixture();
    let file = p.dir.path().join("u.csv");
    std::fs::write(
        &file,
        "username,full_name,role,unit_code\nmot.hai,Một Hai,viewer,83\n",
    )
    .unwrap();
    let pw = p.dir.path().join("pw.csv");
    p.ok(&[
        "users",
        "import",
        file.to_str().unwrap(),
        "--passwords-out",
        pw.to_str().unwrap(),
    ]);
    let written = std::fs::read_to_string(&pw).unwrap();
    let password = written
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .nth(1)
        .unwrap()
        .to_string();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&pw).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let stored = |p: &Phuxanh| {
        let c = p
            .store()
            .credentials(&"mot.hai".parse().unwrap())
            .unwrap()
            .unwrap();
        c.password_hash
    };
    assert!(phuxanh_store::access::verify_password(
        &stored(&p),
        &password
    ));

    let chosen = p.dir.path().join("chosen.txt");
    std::fs::write(&chosen, "một mật khẩu dài\n").unwrap();
    p.ok(&[
        "users",
        "reset-password",
        "mot.hai",
        "--password-file",
        chosen.to_str().unwrap(),
    ]);
    assert!(phuxanh_store::access::verify_password(
        &stored(&p),
        "một mật khẩu dài"
    ));
    assert!(!phuxanh_store::access::verify_password(
        &stored(&p),
        &password
    ));
    std::fs::write(&chosen, "ngắn\n").unwrap();
    let out = p.run(&[
        "users",
        "reset-password",
        "mot.hai",
        "--password-file",
        chosen.to_str().unwrap(),
    ]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("too short"));
}

#[test]
fn tokens_are_shown_once_stored_hashed_and_revocable() {
    let p = fixture_with_users();
    let secret = p.ok(&["tokens", "create", "--user", "ca.bentre", "--read-only"]);
    let secret = secret.trim();
    assert!(secret.starts_with("pxt_"), "{secret}");
    let listed = p.ok(&["tokens", "list", "--format", "csv"]);
    assert!(
        !listed.contains(secret) && listed.contains(&secret[..10]),
        "{listed}"
    );
    let conn = Connection::open(p.db()).unwrap();
    let in_db: i64 = conn
        .query_row(
            "SELECT count(*) FROM api_tokens WHERE hash = ?1",
            [secret],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(in_db, 0, "the secret itself is not stored");

    let store = p.store();
    let (info, user) = store.token(secret).unwrap().unwrap();
    assert_eq!(user.username.as_str(), "ca.bentre");
    assert!(info.read_only && info.usable_at(phuxanh_domain::Instant::now()));
    drop(store);
    p.ok(&["tokens", "revoke", &info.id.to_string()]);
    let (info, _) = p.store().token(secret).unwrap().unwrap();
    assert!(!info.usable_at(phuxanh_domain::Instant::now()));
    let out = p.run(&["tokens", "revoke", "99"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("no token number 99"));
    let out = p.run(&[
        "tokens",
        "create",
        "--user",
        "ca.bentre",
        "--expires",
        "2020-01-01",
    ]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("in the past"));
}

#[test]
fn the_audit_log_records_what_was_done_and_filters_by_unit_and_user() {
    let p = fixture_with_users();
    p.ok(&["users", "disable", "xem.bentre"]);
    let all = p.json(&["audit", "--format", "json"]);
    let actions: Vec<&str> = all["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for a in [
        "user.add",
        "import.units",
        "import.citizens",
        "import.events",
        "user.import",
        "user.disable",
    ] {
        assert!(actions.contains(&a), "{a} missing from {actions:?}");
    }
    let citizens = all["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "import.citizens")
        .unwrap();
    assert!(citizens["count"].as_i64().unwrap() > 0);
    let today = phuxanh_domain::Day::today().to_string();
    let none = p.json(&[
        "audit", "--format", "json", "--user", "nobody", "--from", &today,
    ]);
    assert_eq!(none["entries"].as_array().unwrap().len(), 0);
}

/// Opens the database as someone with the file in hand would: the
/// append-only triggers dropped first.
fn tamper(p: &Phuxanh, sql: &str) {
    let conn = Connection::open(p.db()).unwrap();
    conn.execute_batch(&format!(
        "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete; {sql}"
    ))
    .unwrap();
}

#[test]
fn audit_verify_catches_an_edited_a_deleted_and_a_reordered_entry() {
    let base = fixture_with_users();
    let out = base.ok(&["audit", "verify"]);
    assert!(out.contains("nguyên vẹn"), "{out}");

    // The triggers refuse an ordinary edit.
    let conn = Connection::open(base.db()).unwrap();
    let refused = conn.execute("UPDATE audit_log SET actor = 'x' WHERE seq = 2", []);
    assert!(refused.unwrap_err().to_string().contains("append-only"));
    drop(conn);

    let cases = [
        ("edited", "UPDATE audit_log SET count = 1 WHERE seq = 3", 3),
        ("deleted", "DELETE FROM audit_log WHERE seq = 2", 3),
        (
            "reordered",
            "UPDATE audit_log SET seq = -1 WHERE seq = 2;
             UPDATE audit_log SET seq = 2 WHERE seq = 3;
             UPDATE audit_log SET seq = 3 WHERE seq = -1;",
            2,
        ),
    ];
    for (what, sql, first_bad) in cases {
        let p = base.copy();
        tamper(&p, sql);
        let out = p.run(&["audit", "verify"]);
        assert!(!out.status.success(), "{what} not caught");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(&format!("mục {first_bad}:")), "{what}: {err}");
    }
}

#[test]
fn the_command_lines_lists_of_persons_are_audited_and_its_files_watermarked() {
    let p = Phuxanh::with_fixture();
    // An activation without its collection is held: a list of one person.
    let held = p.dir.path().join("held.csv");
    std::fs::write(
        &held,
        "event_id,citizen_id,kind,level,at\nh1,083309000004,activated,1,2023-10-01 10:00\n",
    )
    .unwrap();
    p.ok(&["events", "import", held.to_str().unwrap()]);
    let audited = |action: &str| -> Vec<serde_json::Value> {
        p.json(&["audit", "--action", action, "--format", "json"])["entries"]
            .as_array()
            .unwrap()
            .clone()
    };
    let shown = p.ok(&["pending", "list", "--unit", "836"]);
    assert!(shown.contains("083309000004"), "{shown}");
    let views = audited("personal.view");
    assert_eq!(views.len(), 1, "{views:?}");
    assert_eq!(views[0]["count"], 1);
    assert_eq!(views[0]["unit"], "836");
    assert_eq!(views[0]["subject"], "pending");

    let file = p.dir.path().join("held.xlsx");
    p.ok(&[
        "pending",
        "list",
        "--format",
        "xlsx",
        "--out",
        file.to_str().unwrap(),
    ]);
    let exports = audited("personal.export");
    assert_eq!(exports.len(), 1, "{exports:?}");
    assert!(exports[0]["unit"].is_null());
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&file).unwrap()).unwrap();
    let mut sheet = String::new();
    std::io::Read::read_to_string(
        &mut zip.by_name("xl/worksheets/sheet1.xml").unwrap(),
        &mut sheet,
    )
    .unwrap();
    assert!(sheet.contains("<oddHeader>&amp;LXuất bởi cli"), "{sheet}");

    // Nobody in the list: nothing to audit.
    p.ok(&["pending", "list", "--unit", "837"]);
    assert_eq!(audited("personal.view").len(), 1);
}

#[test]
fn the_servers_request_log_has_paths_never_queries() {
    let p = Phuxanh::with_fixture();
    let log = p.dir.path().join("serve.log");
    let server = common::Server::logging_to(&p.db(), &log);
    let (status, _, _) = server.request("GET", "/api/v1/search?q=Nguy%E1%BB%85n+V%C4%83n+An", "");
    assert_eq!(status, 200);
    let (status, _, _) = server.request("GET", "/api/v1/pending?unit=28900", "");
    assert_eq!(status, 200);
    drop(server);
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains("/api/v1/search"), "{text}");
    assert!(text.contains("/api/v1/pending"), "{text}");
    for never in ["Nguy", "q=", "unit=28900"] {
        assert!(!text.contains(never), "the log holds {never}: {text}");
    }
}
