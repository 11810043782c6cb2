//! `compare`, `daily`, `ranking`, `completed`: campaign analytics, all read
//! from the live counters (see `phuxanh_report`), printed four ways.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use phuxanh_domain::text::normalize;
use phuxanh_domain::{Day, UnitCode};
use phuxanh_report::compare::{CampaignList, Window, compare};
use phuxanh_report::daily::daily;
use phuxanh_report::funnel::funnel;
use phuxanh_report::period::Period;
use phuxanh_report::ranking::{Show, completed, ranking};
use phuxanh_report::summary::summary;
use phuxanh_report::{Format, Report, render, vi};
use phuxanh_store::{Campaign, Scope, Store};
use phuxanh_store_sqlite::SqliteStore;

use crate::cli::{
    CompareArgs, CompletedArgs, DailyArgs, FunnelArgs, OutputArgs, RankingArgs, ReportArgs,
};

impl OutputArgs {
    /// Refuses what cannot be written before any work is done.
    pub fn check(&self) -> Result<()> {
        if self.format == Format::Xlsx && self.out.is_none() {
            bail!("--format xlsx writes a file: give it with --out report.xlsx");
        }
        Ok(())
    }

    pub fn write(&self, bytes: &[u8]) -> Result<()> {
        match &self.out {
            Some(path) => std::fs::write(path, bytes)
                .with_context(|| format!("cannot write {}", path.display()))?,
            None => std::io::stdout().write_all(bytes)?,
        }
        Ok(())
    }

    pub fn emit<R: Report>(&self, report: &R) -> Result<ExitCode> {
        self.write(&render::to_bytes(report, self.format)?)?;
        Ok(ExitCode::SUCCESS)
    }
}

pub fn compare_cmd(store: &dyn Store, args: &CompareArgs) -> Result<ExitCode> {
    args.output.check()?;
    let (from, to, unit, campaign) = match (&args.campaign, args.from, args.to) {
        (Some(name), _, _) => {
            let c = campaign_named(store, name)?;
            (c.from, c.to, args.unit.clone().or(c.unit), Some(c.name))
        }
        (None, Some(from), Some(to)) => (from, to, args.unit.clone(), None),
        _ => bail!("give the window with --from and --to, or name a campaign with --campaign"),
    };
    let Some(unit) = unit else {
        bail!("give the unit with --unit (the campaign names none)");
    };
    let window = Window::new(from, to).map_err(anyhow::Error::msg)?;
    let report = compare(store, &Scope::everything(), &unit, window, campaign)?;
    args.output.emit(&report)
}

/// The campaign called `name`, or an error listing the campaigns there are.
pub fn campaign_named(store: &dyn Store, name: &str) -> Result<Campaign> {
    let all = store.campaigns(&Scope::everything())?;
    let wanted = normalize(name);
    if let Some(c) = all.iter().find(|c| c.name == wanted) {
        return Ok(c.clone());
    }
    let names: Vec<String> = all.iter().map(|c| format!("'{}'", c.name)).collect();
    if names.is_empty() {
        bail!("no campaign named '{name}': there are none yet (`phuxanh campaigns add`)");
    }
    bail!("no campaign named '{name}'; there are {}", names.join(", "))
}

pub fn campaigns_add(
    store: &mut dyn Store,
    name: &str,
    from: Day,
    to: Day,
    unit: Option<UnitCode>,
) -> Result<ExitCode> {
    let name = normalize(name);
    if name.is_empty() {
        bail!("a campaign needs a name");
    }
    let window = Window::new(from, to).map_err(anyhow::Error::msg)?;
    store.add_campaign(
        &Scope::everything(),
        &Campaign {
            name: name.clone(),
            from,
            to,
            unit,
        },
    )?;
    let base = window.baseline();
    println!(
        "Đợt «{name}»: {} ngày, từ {} đến {}; so sánh với {} đến {}",
        window.days,
        vi::date(from),
        vi::date(to),
        vi::date(base.from),
        vi::date(base.to)
    );
    Ok(ExitCode::SUCCESS)
}

pub fn campaigns_list(store: &dyn Store, output: &OutputArgs) -> Result<ExitCode> {
    output.check()?;
    output.emit(&CampaignList::new(&store.campaigns(&Scope::everything())?))
}

pub fn daily_cmd(store: &dyn Store, args: &DailyArgs) -> Result<ExitCode> {
    args.output.check()?;
    let date = args.date.unwrap_or_else(Day::today);
    let report = daily(store, &Scope::everything(), &args.unit, date)?;
    args.output.emit(&report)
}

pub fn ranking_cmd(store: &dyn Store, args: &RankingArgs) -> Result<ExitCode> {
    args.output.check()?;
    let u = &args.units;
    let show = match (args.top, args.bottom) {
        (Some(n), _) => Show::Top(n),
        (_, Some(n)) => Show::Bottom(n),
        _ => Show::All,
    };
    let report = ranking(
        store,
        &Scope::everything(),
        &u.unit,
        u.metric,
        u.level,
        u.as_of.unwrap_or_else(Day::today),
        show,
    )?;
    args.output.emit(&report)
}

pub fn report_cmd(store: &mut dyn Store, args: &ReportArgs) -> Result<ExitCode> {
    let ext = args
        .out
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    if !matches!(ext.as_deref(), Some("xlsx" | "pdf" | "json")) {
        bail!(
            "--out {}: name a .xlsx, .pdf or .json file; its extension chooses the format",
            args.out.display()
        );
    }
    let as_of = args.as_of.unwrap_or_else(Day::today);
    let (period, unit) = match (&args.campaign, args.from, args.days) {
        (Some(name), _, _) => {
            let c = campaign_named(store, name)?;
            (Period::Campaign(c.name), args.unit.clone().or(c.unit))
        }
        (None, Some(from), _) => (Period::Range(from, as_of), args.unit.clone()),
        (None, None, Some(days)) => (Period::LastDays(i32::from(days)), args.unit.clone()),
        (None, None, None) => (Period::default(), args.unit.clone()),
    };
    let Some(unit) = unit else {
        bail!("give the unit with --unit");
    };
    let chosen = period.resolve(&store.campaigns(&Scope::everything())?, as_of)?;
    let report = summary(store, &Scope::everything(), &unit, as_of, &chosen)?;
    let bytes = match ext.as_deref() {
        Some("xlsx") => report.to_xlsx()?,
        Some("pdf") => report.to_pdf(&store.settings()?)?,
        _ if args.issue => {
            bail!("--issue keeps the report as it is sent: write a .pdf or .xlsx with --out")
        }
        _ => report.to_json()?,
    };
    std::fs::write(&args.out, &bytes)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    println!("Đã ghi báo cáo: {}", args.out.display());
    if args.issue {
        let format = ext.as_deref().expect("checked above");
        let id = super::reports::issue(
            store,
            &unit,
            &report,
            &chosen,
            format,
            bytes,
            args.by.as_deref(),
        )?;
        println!(
            "Đã ban hành báo cáo số {id}: lưu tệp và số liệu; xem lại bằng `phuxanh reports show {id}`"
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub fn funnel_cmd(store: &dyn Store, args: &FunnelArgs) -> Result<ExitCode> {
    args.output.check()?;
    let as_of = args.as_of.unwrap_or_else(Day::today);
    args.output
        .emit(&funnel(store, &Scope::everything(), &args.unit, as_of)?)
}

pub fn completed_cmd(store: &dyn Store, args: &CompletedArgs) -> Result<ExitCode> {
    args.output.check()?;
    let u = &args.units;
    let report = completed(
        store,
        &Scope::everything(),
        &u.unit,
        u.metric,
        u.level,
        u.as_of.unwrap_or_else(Day::today),
    )?;
    args.output.emit(&report)
}

/// `pending list`: the held events, which name citizens. The command line
/// is the administrator's, but every showing or file of persons is still
/// audited (`personal.view`, `personal.export` with `--out`), and an XLSX
/// says on every page who made it and when.
pub fn pending_cmd(
    store: &mut SqliteStore,
    unit: Option<&UnitCode>,
    older_than_days: Option<u32>,
    output: &OutputArgs,
) -> Result<ExitCode> {
    output.check()?;
    let now = phuxanh_domain::Instant::now();
    let report = phuxanh_report::pending::pending(
        &*store,
        &Scope::everything(),
        unit,
        older_than_days,
        now,
    )?;
    let count = report.events.len() as u64;
    crate::commands::field::emit_personal(store, output, &report, "pending", count, unit, now)
}
