//! The command line (README, "Commands"; docs/formats.md): raw flags parsed by clap, then
//! turned into domain values (codes, days, formats) before anything runs.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use phuxanh_domain::field::{FieldCode, SessionKind, VisitId, WorklistKind};
use phuxanh_domain::{
    Day, Instant, Role, SettingKey, TargetMetric, TargetValue, UnitCode, UnitLevel, Username,
};
use phuxanh_report::Format;
use phuxanh_report::targets::Basis;
use phuxanh_units::UnitSet;

#[derive(Parser, Debug)]
#[command(
    name = "phuxanh",
    version,
    about = "Phủ Xanh — run a national e-ID (VNeID) enrollment campaign",
    long_about = "Phủ Xanh keeps the campaign ledger: administrative units, the citizen roster, \
                  application and activation events, live counters and targets, and reports \
                  progress for any unit as of any day."
)]
pub struct Cli {
    /// The database: a SQLite file path.
    #[arg(long, global = true, env = "PHUXANH_DB", default_value = "phuxanh.db")]
    pub db: String,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Create the database with the built-in administrative units.
    Init {
        /// vn-2025 (34 provinces, since July 2025), vn-2024 (63 provinces with districts, the 2023–2024 campaigns) or none.
        #[arg(long, default_value = "vn-2025")]
        units: String,
        /// The minimum age of an eligible citizen.
        #[arg(long, default_value_t = 14)]
        min_age: u8,
        /// The first administrator's user name.
        #[arg(long, default_value = "admin", value_parser = parse_username)]
        admin: Username,
        /// Read the administrator's password from the first line of this file; else one is generated and printed once.
        #[arg(long)]
        admin_password_file: Option<PathBuf>,
    },
    /// Administrative units: add villages, list units.
    #[command(subcommand)]
    Units(UnitsCommand),
    /// The citizen roster: import it, or erase one citizen's personal data.
    #[command(subcommand)]
    Citizens(CitizensCommand),
    /// Lifecycle events (collected, approved, rejected, activated, used).
    #[command(subcommand)]
    Events(ImportOnly),
    /// Status snapshots exported by the national system.
    #[command(subcommand)]
    Status(ImportOnly),
    /// Targets (chỉ tiêu): import, set, list, allocate to children.
    #[command(subcommand)]
    Targets(TargetsCommand),
    /// Who answers for each unit (name, title, phone): import, list.
    #[command(subcommand)]
    Contacts(ContactsCommand),
    /// Progress of a unit (and its children) as of a day.
    Progress(ProgressArgs),
    /// Named campaign windows ("60 ngày đêm").
    #[command(subcommand)]
    Campaigns(CampaignsCommand),
    /// A window of days against the window of equal length before it.
    Compare(CompareArgs),
    /// One day's results for a unit and each of its children.
    Daily(DailyArgs),
    /// Units under a unit ranked by target percentage, with yesterday's rank.
    Ranking(RankingArgs),
    /// Units that reached their target, with the day each first did.
    Completed(CompletedArgs),
    /// Conversion between stages and the median days each step takes, for a unit and its children.
    Funnel(FunnelArgs),
    /// Field teams (tổ công tác): import, add, list.
    #[command(subcommand)]
    Teams(TeamsCommand),
    /// A team's outings (buổi thu nhận lưu động): import, add, list.
    #[command(subcommand)]
    Sessions(SessionsCommand),
    /// A door-to-door list (rà soát): who has not applied, not activated, never used…
    Worklist(WorklistArgs),
    /// What happened at each door: import, take back, list.
    #[command(subcommand)]
    Visits(VisitsCommand),
    /// The period report to the People's Committee (báo cáo sơ kết), as XLSX or PDF.
    Report(ReportArgs),
    /// Period reports issued with `report --issue`: the archive, each as sent beside today's figures, and its file.
    #[command(subcommand)]
    Reports(ReportsCommand),
    /// Events held until their predecessors arrive (an activation loaded before its collection).
    #[command(subcommand)]
    Pending(PendingCommand),
    /// Copy the database while it is in use (`--out FILE`), or check a copy (`--verify FILE`).
    Backup {
        /// Where to write the copy; it must not exist yet.
        #[arg(long, required_unless_present = "verify", conflicts_with = "verify")]
        out: Option<PathBuf>,
        /// Check a backup: every page readable, and every counter equal to what its events say.
        #[arg(long)]
        verify: Option<PathBuf>,
    },
    /// Replace the database with a backup (checked first; the database as it was is kept beside it).
    Restore {
        /// The backup file.
        file: PathBuf,
    },
    /// Recompute every counter from the events and compare.
    Check {
        /// Rewrite the counters that disagree.
        #[arg(long)]
        repair: bool,
    },
    /// Report settings set once per database: issuing agency, symbol, signer, recipients (`settings list`).
    #[command(subcommand)]
    Settings(SettingsCommand),
    /// Users who sign in to the dashboard and the API, each scoped to a unit subtree.
    #[command(subcommand)]
    Users(UsersCommand),
    /// API tokens for machine clients (stored hashed, shown once).
    #[command(subcommand)]
    Tokens(TokensCommand),
    /// The append-only, hash-chained audit log: list entries, or `audit verify`.
    #[command(args_conflicts_with_subcommands = true)]
    Audit {
        #[command(subcommand)]
        verify: Option<AuditCommand>,
        #[command(flatten)]
        query: AuditArgs,
    },
    /// Serve the JSON API (/api/v1/…) and /healthz on the database.
    Serve(ServeArgs),
    /// Write a synthetic campaign (units, roster, events, targets) as CSV files.
    Gen(GenArgs),
    /// Build a realistic demo province with a full campaign, show its progress and open the dashboard.
    Demo(DemoArgs),
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: std::net::SocketAddr,
    /// Warn on every page when no new data has come for this many days while a campaign runs.
    #[arg(long, default_value_t = phuxanh_web::STALE_DAYS)]
    pub stale_days: u32,
    /// Behind a reverse proxy that terminates HTTPS: trust its X-Forwarded-For and mark cookies Secure.
    #[arg(long, conflicts_with = "tls_cert")]
    pub behind_proxy: bool,
    /// Personal records (people in lists shown or exported) a user may see in a day; past it, requests are refused and administrators alerted.
    #[arg(long, default_value_t = phuxanh_web::DAILY_LIMIT, value_parser = clap::value_parser!(i64).range(1..))]
    pub personal_limit: i64,
    /// Serve HTTPS with this certificate chain (PEM, e.g. fullchain.pem); needs --tls-key.
    #[arg(long, requires = "tls_key", value_name = "FILE")]
    pub tls_cert: Option<std::path::PathBuf>,
    /// The certificate's private key (PEM, e.g. privkey.pem); needs --tls-cert.
    #[arg(long, requires = "tls_cert", value_name = "FILE")]
    pub tls_key: Option<std::path::PathBuf>,
}

impl ServeArgs {
    pub fn options(&self) -> phuxanh_web::ServeOptions {
        phuxanh_web::ServeOptions {
            addr: self.addr,
            stale_days: self.stale_days,
            behind_proxy: self.behind_proxy,
            personal_limit: self.personal_limit,
            tls: match (&self.tls_cert, &self.tls_key) {
                (Some(cert), Some(key)) => Some(phuxanh_web::Tls {
                    cert: cert.clone(),
                    key: key.clone(),
                }),
                _ => None,
            },
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum UnitsCommand {
    /// Add or rename units from a CSV/XLSX file (code,name,level,parent_code).
    Import(ImportArgs),
    /// Move a vn-2024 database to the structure of 1 July 2025 (34 provinces of communes), history carried.
    Reorganise {
        /// The new structure: vn-2025.
        #[arg(long, value_parser = parse_unit_set_strict)]
        to: UnitSet,
        /// Where villages (and citizens) of split communes go: CSV with the columns code,new_commune.
        #[arg(long)]
        map: Option<PathBuf>,
        /// Say what would change, and change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// List the units under a unit (or the provinces).
    List {
        /// The parent unit; the provinces when omitted.
        #[arg(long, value_parser = UnitCode::parse)]
        parent: Option<UnitCode>,
    },
}

#[derive(Subcommand, Debug)]
pub enum UsersCommand {
    /// Create a user, e.g. `users add ca.chothanh --role manager --unit 831`; without --password-file a one-time password is printed.
    Add {
        #[arg(value_parser = parse_username)]
        name: Username,
        /// admin (everything), manager (read and write in the unit and below), team (personal lists and intake), viewer (aggregates only).
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// The unit the user is scoped to (all of it and below); not for an administrator of everything.
        #[arg(long, value_parser = UnitCode::parse)]
        unit: Option<UnitCode>,
        /// The field team the user belongs to.
        #[arg(long)]
        team: Option<String>,
        /// The full name, as shown on pages and in the audit log (default: NAME).
        #[arg(long)]
        full_name: Option<String>,
        #[arg(long)]
        phone: Option<String>,
        /// Read the password from the first line of this file (else a one-time one is made).
        #[arg(long)]
        password_file: Option<PathBuf>,
    },
    /// Create the users of a CSV/XLSX file (username,full_name,role,unit_code[,team_id,phone]), all or none, each with a one-time password.
    Import {
        file: PathBuf,
        /// Write the one-time passwords to this CSV file (username,password) instead of the terminal.
        #[arg(long)]
        passwords_out: Option<PathBuf>,
    },
    /// Every user, their role, unit and state.
    List {
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Stop a user from signing in; their sessions end at once.
    Disable {
        #[arg(value_parser = parse_username)]
        name: Username,
    },
    /// Let a disabled user sign in again.
    Enable {
        #[arg(value_parser = parse_username)]
        name: Username,
    },
    /// A new one-time password (printed), or the first line of --password-file; ends their sessions and any lock.
    ResetPassword {
        #[arg(value_parser = parse_username)]
        name: Username,
        #[arg(long)]
        password_file: Option<PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
pub enum TokensCommand {
    /// A token for a machine client acting as USER; printed once.
    Create {
        #[arg(long, value_parser = parse_username)]
        user: Username,
        /// The last day the token works (YYYY-MM-DD); without, until revoked.
        #[arg(long, value_parser = parse_day)]
        expires: Option<Day>,
        /// Reads only: refused on every request that changes anything.
        #[arg(long)]
        read_only: bool,
    },
    /// Every token: number, user, first characters, state.
    List {
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Revoke a token by number (`tokens list`): refused from the next request.
    Revoke { id: i64 },
}

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Check every entry's hash: exits non-zero and names the first entry edited, deleted or moved.
    Verify,
}

#[derive(Args, Debug)]
pub struct AuditArgs {
    /// Entries about this unit or any under it.
    #[arg(long, value_parser = UnitCode::parse)]
    pub unit: Option<UnitCode>,
    /// From this day (YYYY-MM-DD).
    #[arg(long, value_parser = parse_day)]
    pub from: Option<Day>,
    /// To this day, included.
    #[arg(long, value_parser = parse_day)]
    pub to: Option<Day>,
    /// Only what this user did.
    #[arg(long)]
    pub user: Option<String>,
    /// Only this action (`personal.export`, `personal.limit`, …; SECURITY.md
    /// lists them).
    #[arg(long)]
    pub action: Option<String>,
    #[command(flatten)]
    pub output: OutputArgs,
}

pub fn parse_username(s: &str) -> Result<Username, String> {
    s.parse()
}

pub fn parse_role(s: &str) -> Result<Role, String> {
    s.parse()
}

#[derive(Subcommand, Debug)]
pub enum SettingsCommand {
    /// Set one, e.g. `settings set report.agency "CÔNG AN TỈNH BẾN TRE"`; the recipients take one value a line.
    Set {
        /// report.superior_agency, report.agency, report.symbol, report.place, report.signer_authority, report.signer_title, report.signer_name or report.recipients.
        #[arg(value_parser = parse_setting_key)]
        key: SettingKey,
        /// The value; several only for report.recipients (one a line).
        #[arg(required = true, num_args = 1..)]
        value: Vec<String>,
    },
    /// Print one setting's value (nothing, and exit code 1, when unset).
    Get {
        #[arg(value_parser = parse_setting_key)]
        key: SettingKey,
    },
    /// Every setting, set or not.
    List,
    /// Clear one: the report leaves its blank to fill by hand.
    Unset {
        #[arg(value_parser = parse_setting_key)]
        key: SettingKey,
    },
}

fn parse_setting_key(s: &str) -> Result<SettingKey, String> {
    s.parse()
}

#[derive(Subcommand, Debug)]
pub enum ReportsCommand {
    /// The reports issued for a unit, newest first.
    List {
        #[arg(long, value_parser = UnitCode::parse)]
        unit: UnitCode,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// One issued report: each figure as sent, as it is now, and the difference.
    Show {
        /// The report's number (`reports list`).
        id: i64,
        /// Only the figures that changed since.
        #[arg(long)]
        changed: bool,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Write an issued report's file, exactly as it was issued.
    File {
        id: i64,
        /// Where to write it; its extension must be the report's (.pdf or .xlsx).
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
pub enum PendingCommand {
    /// The held events, oldest received first, with what each waits for.
    List {
        /// Only citizens of this unit and below.
        #[arg(long, value_parser = UnitCode::parse)]
        unit: Option<UnitCode>,
        /// Only events received at least this long ago: 7d (days) or 2w (weeks).
        #[arg(long, value_parser = parse_age_days)]
        older_than: Option<u32>,
        #[command(flatten)]
        output: OutputArgs,
    },
}

#[derive(Subcommand, Debug)]
pub enum CitizensCommand {
    /// Import a roster (id,full_name,birth_date,sex,unit_code[,household_id,address,phone]).
    Import(ImportArgs),
    /// Erase a citizen's personal data on a lawful request (Decree 13/2023/NĐ-CP): name,
    /// household, address and phone, for good; the counts they contributed stay.
    Forget {
        /// The citizen's 12-digit ID number.
        id: phuxanh_domain::CitizenId,
        /// Why, for the audit log: the request and its reference, e.g. "đơn ngày 02/12/2026, số 15/ĐN".
        #[arg(long, value_parser = non_blank)]
        reason: String,
    },
}

fn non_blank(s: &str) -> Result<String, String> {
    match s.trim() {
        "" => Err("give the reason: the request and its reference".into()),
        t => Ok(t.to_string()),
    }
}

#[derive(Subcommand, Debug)]
pub enum ImportOnly {
    /// Import a CSV or XLSX file.
    Import(ImportArgs),
}

#[derive(Subcommand, Debug)]
pub enum TargetsCommand {
    /// Import targets from a CSV or XLSX file (unit_code,metric,value,deadline).
    Import(ImportArgs),
    /// Set one unit's target for one metric (the old value stays in the history).
    Set(TargetArgs),
    /// A unit's targets and its children's, with a warning where they do not add up.
    List {
        #[arg(long, value_parser = UnitCode::parse)]
        unit: UnitCode,
        /// Also the superseded versions of the unit's targets.
        #[arg(long)]
        history: bool,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Set a unit's target and split it among its children (largest remainder: the shares sum exactly).
    Allocate {
        #[command(flatten)]
        target: TargetArgs,
        /// eligible (citizens eligible as of --as-of), population (everyone on the roster) or equal.
        #[arg(long, default_value = "eligible", value_parser = parse_basis)]
        by: Basis,
        /// The day whose eligible counts weigh the split; today by default.
        #[arg(long, value_parser = parse_day)]
        as_of: Option<Day>,
        /// Overwrite children that already have a target for the metric.
        #[arg(long)]
        replace: bool,
        #[command(flatten)]
        output: OutputArgs,
    },
}

#[derive(Subcommand, Debug)]
pub enum ContactsCommand {
    /// Import contacts from a CSV or XLSX file (unit_code,name,title,phone[,email,note]).
    ///
    /// The file's rows replace the contacts of every unit it names, in the
    /// file's order (several per unit: the police chief, then the deputy);
    /// units it does not name keep theirs. Atomic: one refused row and
    /// nothing is written.
    Import {
        /// The CSV or XLSX file.
        file: PathBuf,
    },
    /// List contacts: of every unit, or of one unit and every unit under it.
    List {
        /// The unit; every unit when omitted.
        #[arg(long, value_parser = UnitCode::parse)]
        unit: Option<UnitCode>,
        #[command(flatten)]
        output: OutputArgs,
    },
}

/// One target: unit, metric, value, deadline.
#[derive(Args, Debug)]
pub struct TargetArgs {
    #[arg(long, value_parser = UnitCode::parse)]
    pub unit: UnitCode,
    /// collected, collected_l2, activated, activated_l2 or used.
    #[arg(long, value_parser = parse_target_metric)]
    pub metric: TargetMetric,
    /// A number of citizens (930767) or a percentage of the eligible (50%).
    #[arg(long, value_parser = parse_target_value)]
    pub value: TargetValue,
    /// YYYY-MM-DD.
    #[arg(long, value_parser = parse_day)]
    pub deadline: Day,
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// The CSV or XLSX file.
    pub file: PathBuf,
    /// Apply the valid rows; write the refused ones, with their reasons, to
    /// a file (see --refused-out).
    #[arg(long)]
    pub skip_invalid: bool,
    /// Where --skip-invalid writes the refused rows (default: FILE.refused.csv).
    #[arg(long, requires = "skip_invalid")]
    pub refused_out: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct ProgressArgs {
    /// The unit's code, e.g. 83 for Bến Tre.
    #[arg(long, value_parser = UnitCode::parse)]
    pub unit: UnitCode,
    /// Figures at the end of this day (YYYY-MM-DD); today by default.
    #[arg(long, value_parser = parse_day)]
    pub as_of: Option<Day>,
    /// Also show every unit directly under it.
    #[arg(long)]
    pub children: bool,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Where and how a report is written.
#[derive(Args, Debug)]
pub struct OutputArgs {
    /// table, json, csv or xlsx.
    #[arg(long, default_value = "table", value_parser = parse_format)]
    pub format: Format,
    /// Write to this file instead of the terminal (required for xlsx).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum CampaignsCommand {
    /// Name a window of days, e.g. `campaigns add "60 ngày đêm" --from 2023-08-20 --to 2023-10-18`.
    Add {
        name: String,
        /// The first day (YYYY-MM-DD).
        #[arg(long, value_parser = parse_day)]
        from: Day,
        /// The last day.
        #[arg(long, value_parser = parse_day)]
        to: Day,
        /// The unit the campaign is for (the default unit of its reports).
        #[arg(long, value_parser = UnitCode::parse)]
        unit: Option<UnitCode>,
    },
    /// Every campaign, with its baseline window.
    List {
        #[command(flatten)]
        output: OutputArgs,
    },
}

#[derive(Args, Debug)]
pub struct CompareArgs {
    /// The unit; the campaign's unit when --campaign names one that has it.
    #[arg(long, value_parser = UnitCode::parse)]
    pub unit: Option<UnitCode>,
    /// The window's first day (YYYY-MM-DD).
    #[arg(long, value_parser = parse_day, requires = "to", conflicts_with = "campaign")]
    pub from: Option<Day>,
    /// The window's last day.
    #[arg(long, value_parser = parse_day, requires = "from")]
    pub to: Option<Day>,
    /// A campaign's window instead of --from/--to.
    #[arg(long)]
    pub campaign: Option<String>,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Args, Debug)]
pub struct ReportArgs {
    /// The unit; the campaign's unit when --campaign names one that has it.
    #[arg(long, value_parser = UnitCode::parse)]
    pub unit: Option<UnitCode>,
    /// Figures at the end of this day; today by default.
    #[arg(long, value_parser = parse_day)]
    pub as_of: Option<Day>,
    /// Compare the campaign's days (up to --as-of when it falls inside them)
    /// with as many days before (default: the 30 days ending on --as-of).
    #[arg(long, conflicts_with_all = ["days", "from"])]
    pub campaign: Option<String>,
    /// The period: the last N days ending on --as-of (7, 30, …).
    #[arg(long, conflicts_with = "from", value_parser = clap::value_parser!(u16).range(1..=3660))]
    pub days: Option<u16>,
    /// The period: from this day to --as-of.
    #[arg(long, value_parser = parse_day)]
    pub from: Option<Day>,
    /// report.xlsx, report.pdf or report.json: the extension chooses the format.
    #[arg(long)]
    pub out: PathBuf,
    /// Issue it: keep the file and its figures in the database with the
    /// time (`reports list`, `reports show`), to compare later with
    /// late-arriving data. PDF or XLSX only.
    #[arg(long)]
    pub issue: bool,
    /// Who issues it (kept with it); the login name by default.
    #[arg(long, requires = "issue")]
    pub by: Option<String>,
}

#[derive(Args, Debug)]
pub struct FunnelArgs {
    #[arg(long, value_parser = UnitCode::parse)]
    pub unit: UnitCode,
    /// Conversions at the end of this day; today by default.
    #[arg(long, value_parser = parse_day)]
    pub as_of: Option<Day>,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Args, Debug)]
pub struct DailyArgs {
    #[arg(long, value_parser = UnitCode::parse)]
    pub unit: UnitCode,
    /// The day (YYYY-MM-DD); today by default.
    #[arg(long, value_parser = parse_day)]
    pub date: Option<Day>,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// The units to rank or list, and against which target.
#[derive(Args, Debug)]
pub struct UnitsAgainstTarget {
    /// The unit whose units are ranked.
    #[arg(long, value_parser = UnitCode::parse)]
    pub unit: UnitCode,
    /// collected, collected_l2, activated, activated_l2 or used.
    #[arg(long, value_parser = parse_target_metric)]
    pub metric: TargetMetric,
    /// district, commune or village; the unit's children when omitted.
    #[arg(long, value_parser = parse_level)]
    pub level: Option<UnitLevel>,
    /// Figures at the end of this day; today by default.
    #[arg(long, value_parser = parse_day)]
    pub as_of: Option<Day>,
}

#[derive(Args, Debug)]
pub struct RankingArgs {
    #[command(flatten)]
    pub units: UnitsAgainstTarget,
    /// Show only the first N.
    #[arg(long, conflicts_with = "bottom")]
    pub top: Option<usize>,
    /// Show only the last N, worst first.
    #[arg(long)]
    pub bottom: Option<usize>,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Args, Debug)]
pub struct CompletedArgs {
    #[command(flatten)]
    pub units: UnitsAgainstTarget,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Args, Debug)]
pub struct GenArgs {
    /// The province's code in the chosen unit set; the whole country when omitted.
    #[arg(long, value_parser = UnitCode::parse)]
    pub province: Option<UnitCode>,
    /// How many citizens (10 thousand to 10 million).
    #[arg(long, default_value_t = 100_000)]
    pub citizens: u64,
    /// The random seed: the same seed gives the same files.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The unit set the generated villages hang under.
    #[arg(long, default_value = "vn-2024")]
    pub units: String,
    /// The folder to write into.
    #[arg(long, default_value = "gen")]
    pub out: PathBuf,
}

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// The demo database (replaced if it exists).
    #[arg(long, default_value = "phuxanh-demo.db")]
    pub demo_db: PathBuf,
    /// The demo province (vn-2024 code); Bến Tre by default.
    #[arg(long, default_value = "83", value_parser = UnitCode::parse)]
    pub province: UnitCode,
    /// How many citizens.
    #[arg(long, default_value_t = 150_000)]
    pub citizens: u64,
    #[arg(long, default_value_t = 2023)]
    pub seed: u64,
    /// Where the dashboard listens once the demo is built.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: std::net::SocketAddr,
    /// Serve the dashboard without opening a browser (headless machines).
    #[arg(long)]
    pub no_open: bool,
    /// Build the demo database and stop, without serving the dashboard.
    #[arg(long)]
    pub no_serve: bool,
}

pub fn parse_day(s: &str) -> Result<Day, String> {
    s.parse()
}

/// An age in days: `7d`, `2w` or `7`.
pub fn parse_age_days(s: &str) -> Result<u32, String> {
    let s = s.trim();
    let (number, per) = match s.strip_suffix('w') {
        Some(n) => (n, 7),
        None => (s.strip_suffix('d').unwrap_or(s), 1),
    };
    number
        .parse::<u32>()
        .ok()
        .and_then(|n| n.checked_mul(per))
        .filter(|&d| d <= 36_500)
        .ok_or_else(|| format!("'{s}' is not an age like 7d (days) or 2w (weeks)"))
}

pub fn parse_target_metric(s: &str) -> Result<TargetMetric, String> {
    s.parse()
}

pub fn parse_target_value(s: &str) -> Result<TargetValue, String> {
    s.parse()
}

pub fn parse_basis(s: &str) -> Result<Basis, String> {
    s.parse()
}

pub fn parse_level(s: &str) -> Result<UnitLevel, String> {
    s.parse()
}

pub fn parse_format(s: &str) -> Result<Format, String> {
    s.parse()
}

pub fn parse_unit_set_strict(s: &str) -> Result<UnitSet, String> {
    s.parse()
}

pub fn parse_unit_set(s: &str) -> Result<Option<UnitSet>, String> {
    match s {
        "none" => Ok(None),
        other => other.parse().map(Some),
    }
}

#[derive(Subcommand, Debug)]
pub enum TeamsCommand {
    /// Add or replace teams from a CSV/XLSX file (team_id,name,unit_code[,covers,leader,leader_phone,deputy,police,youth_union,womens_union,veterans,students,other]).
    Import(ImportArgs),
    /// Add or replace one team, e.g. `teams add T-28756-1 --name "Tổ 1" --unit 28756 --covers 28756-T01 --police 2 --youth-union 10`.
    Add(TeamArgs),
    /// The teams of a unit and below (every team when omitted).
    List {
        #[arg(long, value_parser = UnitCode::parse)]
        unit: Option<UnitCode>,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Field health: the phones' last syncs and what they still hold, teams with no session in N days, communes nobody covers.
    Health {
        #[arg(long, value_parser = UnitCode::parse)]
        unit: UnitCode,
        /// The day (YYYY-MM-DD); today by default.
        #[arg(long, value_parser = parse_day)]
        as_of: Option<Day>,
        /// A team with no session in this many days is quiet.
        #[arg(long, default_value_t = 7)]
        quiet_days: u32,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// What works: each team, and the sessions by kind, time of day and weekday or weekend — citizens helped per stage, per member, per hour; visits not at home or refused.
    Results {
        #[arg(long, value_parser = UnitCode::parse)]
        unit: UnitCode,
        /// Sessions starting on this day or after (YYYY-MM-DD), and the teams' events from it.
        #[arg(long, value_parser = parse_day)]
        from: Option<Day>,
        /// Up to this day, included.
        #[arg(long, value_parser = parse_day)]
        to: Option<Day>,
        #[command(flatten)]
        output: OutputArgs,
    },
}

#[derive(Args, Debug)]
pub struct TeamArgs {
    /// The team's code, as events files write it in `team_id`.
    pub code: FieldCode,
    /// Its name, e.g. "Tổ công tác Đề án 06 phường Phú Khương".
    #[arg(long)]
    pub name: String,
    /// Its home unit.
    #[arg(long, value_parser = UnitCode::parse)]
    pub unit: UnitCode,
    /// A unit it covers (its home unit or one under it); repeat for more. The home unit when none.
    #[arg(long, value_parser = UnitCode::parse)]
    pub covers: Vec<UnitCode>,
    #[arg(long)]
    pub leader: Option<String>,
    #[arg(long)]
    pub leader_phone: Option<String>,
    #[arg(long)]
    pub deputy: Option<String>,
    /// Members from the police.
    #[arg(long, default_value_t = 0)]
    pub police: u32,
    #[arg(long, default_value_t = 0)]
    pub youth_union: u32,
    #[arg(long, default_value_t = 0)]
    pub womens_union: u32,
    #[arg(long, default_value_t = 0)]
    pub veterans: u32,
    #[arg(long, default_value_t = 0)]
    pub students: u32,
    #[arg(long, default_value_t = 0)]
    pub other: u32,
}

#[derive(Subcommand, Debug)]
pub enum SessionsCommand {
    /// Add or replace sessions from a CSV/XLSX file (session_id,team_id,unit_code,place,kind,start,end).
    Import(ImportArgs),
    /// Add or replace one session, e.g. `sessions add S-1 --team T-28756-1 --unit 28756-T01 --place "Nhà văn hoá khu phố 1" --kind door-to-door --start "2023-09-09 19:00" --end "2023-09-09 22:30"`.
    Add {
        /// The session's code, as events files write it in `session_id`.
        code: FieldCode,
        #[arg(long)]
        team: FieldCode,
        #[arg(long, value_parser = UnitCode::parse)]
        unit: UnitCode,
        #[arg(long)]
        place: String,
        /// door-to-door, office, school, workplace or market.
        #[arg(long)]
        kind: SessionKind,
        /// `YYYY-MM-DD HH:MM` (Vietnam time) or RFC 3339.
        #[arg(long)]
        start: Instant,
        #[arg(long)]
        end: Instant,
    },
    /// Sessions under a unit, of a team, or starting between two days, by start.
    List {
        #[arg(long, value_parser = UnitCode::parse)]
        unit: Option<UnitCode>,
        #[arg(long)]
        team: Option<FieldCode>,
        #[arg(long, value_parser = parse_day)]
        from: Option<Day>,
        #[arg(long, value_parser = parse_day)]
        to: Option<Day>,
        #[command(flatten)]
        output: OutputArgs,
    },
}

#[derive(Args, Debug)]
pub struct WorklistArgs {
    /// The unit (a commune, a village, or a larger unit).
    #[arg(long, value_parser = UnitCode::parse)]
    pub unit: UnitCode,
    /// not-applied, not-approved, rejected, not-activated, not-used or not-level-2.
    #[arg(long)]
    pub kind: WorklistKind,
    /// Only the units this team covers.
    #[arg(long)]
    pub team: Option<FieldCode>,
    /// Who stood where at the end of this day (YYYY-MM-DD); today by default.
    #[arg(long, value_parser = parse_day)]
    pub as_of: Option<Day>,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Subcommand, Debug)]
pub enum VisitsCommand {
    /// Record visits from a CSV/XLSX file (visit_id,citizen_id,outcome,at[,team_id,session_id,note]).
    Import(ImportArgs),
    /// Take a visit back (recorded by mistake): it counts no more, and a departure it made is undone.
    Undo {
        /// The visit's id.
        id: VisitId,
    },
    /// Visits, by time: of a unit, a citizen, a team or a session, between two days; or only the flagged ones.
    List {
        #[arg(long, value_parser = UnitCode::parse)]
        unit: Option<UnitCode>,
        #[arg(long)]
        citizen: Option<phuxanh_domain::CitizenId>,
        #[arg(long)]
        team: Option<FieldCode>,
        #[arg(long)]
        session: Option<FieldCode>,
        #[arg(long, value_parser = parse_day)]
        from: Option<Day>,
        #[arg(long, value_parser = parse_day)]
        to: Option<Day>,
        /// Only those not counted because of their time (future, outside their session, a wrong phone clock).
        #[arg(long)]
        flagged: bool,
        #[command(flatten)]
        output: OutputArgs,
    },
}
