//! What the integration tests share: a `phuxanh` binary driven in a fresh
//! temporary folder, and the hand-made files of `tests/data/`.

#![allow(dead_code)] // each test file uses its own part

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use phuxanh_domain::{Day, UnitCode};
use phuxanh_store::{Scope, Store};
use phuxanh_store_sqlite::SqliteStore;
use serde_json::Value;

pub struct Phuxanh {
    pub dir: tempfile::TempDir,
}

pub fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data")
        .join(name)
}

impl Phuxanh {
    /// A temporary folder and no database yet.
    pub fn empty() -> Phuxanh {
        Phuxanh {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// A fresh database holding only what `init --units none` creates.
    pub fn new() -> Phuxanh {
        let p = Phuxanh::empty();
        p.ok(&["init", "--units", "none"]);
        p
    }

    /// A generated Bến Tre in `gen/`, with its villages imported into a
    /// vn-2024 database (the roster not yet).
    pub fn with_generated_villages(citizens: &str, seed: &str) -> (Phuxanh, PathBuf) {
        let p = Phuxanh::empty();
        let dir = p.dir.path().join("gen");
        let out = dir.to_str().unwrap();
        p.ok(&[
            "gen",
            "--province",
            "83",
            "--citizens",
            citizens,
            "--seed",
            seed,
            "--out",
            out,
        ]);
        p.ok(&["init", "--units", "vn-2024"]);
        p.ok(&[
            "units",
            "import",
            dir.join("villages.csv").to_str().unwrap(),
        ]);
        (p, dir)
    }

    /// A generated Bến Tre in `gen/`, with its villages and roster imported
    /// into a vn-2024 database.
    pub fn with_generated_roster(citizens: &str, seed: &str) -> (Phuxanh, PathBuf) {
        let (p, dir) = Phuxanh::with_generated_villages(citizens, seed);
        p.ok(&[
            "citizens",
            "import",
            dir.join("citizens.csv").to_str().unwrap(),
        ]);
        (p, dir)
    }

    /// The hand-made Bến Tre fixture, fully imported.
    pub fn with_fixture() -> Phuxanh {
        let p = Phuxanh::new();
        p.ok(&["units", "import", data("units.csv").to_str().unwrap()]);
        p.ok(&["citizens", "import", data("citizens.csv").to_str().unwrap()]);
        p.ok(&["events", "import", data("events.csv").to_str().unwrap()]);
        p.ok(&["targets", "import", data("targets.csv").to_str().unwrap()]);
        p
    }

    pub fn db(&self) -> PathBuf {
        self.dir.path().join("test.db")
    }

    /// The database, opened as the server would.
    pub fn store(&self) -> SqliteStore {
        SqliteStore::open(&self.db()).unwrap()
    }

    pub fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_phuxanh"))
            .arg("--db")
            .arg(self.db())
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .unwrap()
    }

    /// Runs a command that must succeed; returns its stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "phuxanh {args:?} failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Imports a test file that must be refused; returns its refusals as
    /// `:line: reason` (the file name cut off) and the whole stderr.
    pub fn refused_import(&self, command: &str, name: &str) -> (Vec<String>, String) {
        let file = data(name);
        let out = self.run(&[command, "import", file.to_str().unwrap()]);
        assert!(!out.status.success(), "importing {name} should fail");
        let stderr = String::from_utf8(out.stderr).unwrap();
        let f = file.display().to_string();
        let lines = stderr
            .lines()
            .filter(|l| l.starts_with(&f))
            .map(|l| l[f.len()..].to_string())
            .collect();
        (lines, stderr)
    }

    pub fn json(&self, args: &[&str]) -> Value {
        serde_json::from_str(&self.ok(args)).unwrap()
    }

    /// A copy of the database as it is now (`backup --out`), in a folder of
    /// its own.
    pub fn copy(&self) -> Phuxanh {
        let copy = Phuxanh::empty();
        self.ok(&["backup", "--out", copy.db().to_str().unwrap()]);
        copy
    }

    /// `check` finds every counter equal to what the events say.
    pub fn assert_clean(&self) {
        assert_eq!(
            self.ok(&["check"]).lines().last().unwrap(),
            "Counters equal what the events say."
        );
    }
}

/// Every unit under `code`, itself included.
pub fn subtree(store: &SqliteStore, code: &UnitCode) -> Vec<UnitCode> {
    let mut out = vec![code.clone()];
    let mut i = 0;
    while i < out.len() {
        let children = store.children(&Scope::everything(), &out[i]).unwrap();
        out.extend(children.into_iter().map(|u| u.code));
        i += 1;
    }
    out
}

/// Compares every figure the two databases hold for the units under 83
/// and every province: counters day by day, targets, funnels, campaigns.
pub fn assert_same_figures(upgraded: &SqliteStore, fresh: &SqliteStore) {
    let all = Scope::everything();
    let day = |s: &str| s.parse::<Day>().unwrap();
    let (from, to) = (day("2022-12-01"), day("2024-01-31"));
    let provinces = fresh.roots(&all).unwrap();
    assert_eq!(upgraded.roots(&all).unwrap(), provinces);
    let mut units: Vec<UnitCode> = provinces.into_iter().map(|u| u.code).collect();
    units.extend(subtree(fresh, &"83".parse().unwrap()));
    assert!(units.len() > 300, "{} units", units.len());
    for code in &units {
        assert_eq!(
            upgraded.unit(&all, code).unwrap(),
            fresh.unit(&all, code).unwrap()
        );
        // Day by day: the same figures (a database that took its events in
        // several imports may keep a row that repeats the day before).
        let (a, b) = (
            upgraded.history(&all, code, from, to).unwrap(),
            fresh.history(&all, code, from, to).unwrap(),
        );
        let mut day = from;
        while day <= to {
            assert_eq!(
                a.as_of(day).0,
                b.as_of(day).0,
                "counters of {code} on {day}"
            );
            day = day.plus_days(1);
        }
        assert_eq!(
            upgraded.funnel(&all, code).unwrap(),
            fresh.funnel(&all, code).unwrap(),
            "funnel of {code}"
        );
        let targets = |s: &SqliteStore| {
            s.target_history(&all, code)
                .unwrap()
                .into_iter()
                .map(|t| (t.metric, t.value, t.deadline, t.superseded_at.is_some()))
                .collect::<Vec<_>>()
        };
        assert_eq!(targets(upgraded), targets(fresh), "targets of {code}");
    }
    assert_eq!(
        upgraded.campaigns(&Scope::everything()).unwrap(),
        fresh.campaigns(&Scope::everything()).unwrap()
    );
    assert_eq!(upgraded.min_age().unwrap(), fresh.min_age().unwrap());
    let a = upgraded
        .figures(&all, &"83".parse().unwrap(), day("2023-11-14"))
        .unwrap();
    assert!(
        a.counts.0.iter().all(|&n| n >= 0) && a.counts.0[1] > 1000,
        "{a:?}"
    );
}

/// An HTTP answer: status, headers (lower-case names), body.
pub type Answer = (u16, Vec<(String, String)>, String);

/// A `phuxanh serve` on a free loopback port, stopped when dropped.
pub struct Server {
    pub child: std::process::Child,
    pub addr: std::net::SocketAddr,
    /// An administrator's bearer token, sent with every request.
    pub token: String,
}

/// A token of an administrator `tester` (made if the database has none),
/// for a test to call the API as.
pub fn admin_token(db: &Path) -> String {
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_phuxanh"))
            .arg("--db")
            .arg(db)
            .args(args)
            .output()
            .unwrap()
    };
    let has_tester = String::from_utf8_lossy(&run(&["users", "list", "--format", "csv"]).stdout)
        .lines()
        .any(|l| l.starts_with("tester,"));
    if !has_tester {
        let out = run(&["users", "add", "tester", "--role", "admin"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = run(&["tokens", "create", "--user", "tester"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

impl Server {
    pub fn start(db: &Path) -> Server {
        Server::with_token(db, admin_token(db))
    }

    /// A server called with `token` (made before, e.g. while nothing
    /// holds the database).
    pub fn with_token(db: &Path, token: String) -> Server {
        Server::spawn(db, token, None)
    }

    /// A server that logs every request (`RUST_LOG=info`) to `log`.
    pub fn logging_to(db: &Path, log: &Path) -> Server {
        Server::spawn(db, admin_token(db), Some(log))
    }

    fn spawn(db: &Path, token: String, log: Option<&Path>) -> Server {
        // A port the system says is free, handed to the server.
        let addr = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let (level, stderr) = match log {
            Some(path) => ("info", std::fs::File::create(path).unwrap().into()),
            None => ("warn", std::process::Stdio::null()),
        };
        let child = Command::new(env!("CARGO_BIN_EXE_phuxanh"))
            .arg("--db")
            .arg(db)
            .args(["serve", "--addr", &addr.to_string()])
            .env("RUST_LOG", level)
            .stdout(std::process::Stdio::null())
            .stderr(stderr)
            .spawn()
            .unwrap();
        let server = Server { child, addr, token };
        for _ in 0..200 {
            if let Ok((200, _, _)) = server.try_request("GET", "/healthz", "") {
                return server;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("phuxanh serve did not answer /healthz on {addr} within 10 s");
    }

    /// One HTTP/1.1 request: status, headers (lower-case names), body.
    pub fn try_request(&self, method: &str, path: &str, body: &str) -> std::io::Result<Answer> {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(self.addr)?;
        stream.set_read_timeout(Some(std::time::Duration::from_secs(60)))?;
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            self.addr,
            self.token,
            body.len()
        )?;
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw)?;
        let split = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .ok_or_else(|| std::io::Error::other("no end of headers"))?;
        let head = String::from_utf8_lossy(&raw[..split]).into_owned();
        let rest = &raw[split + 4..];
        let mut lines = head.lines();
        let status = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| std::io::Error::other(format!("no status line in {head:?}")))?;
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        let chunked = headers
            .iter()
            .any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"));
        let body = if chunked {
            dechunk(rest)
        } else {
            rest.to_vec()
        };
        Ok((status, headers, String::from_utf8_lossy(&body).into_owned()))
    }

    pub fn request(
        &self,
        method: &str,
        path: &str,
        body: &str,
    ) -> (u16, Vec<(String, String)>, String) {
        self.try_request(method, path, body)
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
    }

    pub fn get_json(&self, path: &str) -> Value {
        let (status, _, body) = self.request("GET", path, "");
        assert_eq!(status, 200, "GET {path}: {body}");
        serde_json::from_str(&body).unwrap()
    }
}

fn dechunk(mut s: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = s.windows(2).position(|w| w == b"\r\n") {
        let size = String::from_utf8_lossy(&s[..eol]);
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        let rest = &s[eol + 2..];
        if n == 0 || rest.len() < n {
            break;
        }
        out.extend_from_slice(&rest[..n]);
        s = rest[n..].strip_prefix(b"\r\n").unwrap_or(&rest[n..]);
    }
    out
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
