// The dashboard in real headless Chromium (Debian's `chromium`), driven by
// playwright-core: a generated Bến Tre is imported with the `phuxanh`
// binary, served, and a user's path is followed — overview, drill-down from
// province to commune, another day, a report download, a live update —
// checking that what the page shows is what the API says, and that every
// page passes axe-core's WCAG 2 A/AA and best-practice checks.
//
// Run by scripts/test after `cargo test` (PHUXANH_BIN names the binary,
// CHROMIUM the browser).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium } from "playwright-core";
import { ADMIN_PASSWORD, signIn, startServer } from "./session.mjs";

const here = new URL(".", import.meta.url).pathname;
const bin = process.env.PHUXANH_BIN || resolve(here, "../../target/debug/phuxanh");
const browserPath = process.env.CHROMIUM || "/usr/bin/chromium";
const dir = mkdtempSync(join(tmpdir(), "phuxanh-browser-"));
const db = join(dir, "browser.db");
const port = 18500 + Math.floor(Math.random() * 1000);
const base = `http://127.0.0.1:${port}`;
let server, browser, page, token;

const vi = (n) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ".");
const run = (...args) => execFileSync(bin, ["--db", db, ...args], { cwd: dir, stdio: "pipe" }).toString();
const api = async (path, init) => {
  const r = await fetch(base + path, { ...init, headers: { authorization: `Bearer ${token}`, ...(init?.headers || {}) } });
  assert.ok(r.ok, `${path}: ${r.status} ${await r.clone().text()}`);
  return r.json();
};

before(async () => {
  writeFileSync(join(dir, "admin.pw"), ADMIN_PASSWORD);
  run("init", "--units", "vn-2024", "--admin-password-file", join(dir, "admin.pw"));
  token = run("tokens", "create", "--user", "admin").trim();
  run("gen", "--province", "83", "--citizens", "10000", "--seed", "3", "--out", "gen");
  for (const [cmd, file] of [["units", "villages"], ["citizens", "citizens"], ["events", "events"], ["targets", "targets"]]) {
    run(cmd, "import", join("gen", `${file}.csv`));
  }
  server = await startServer(bin, db, port);
  browser = await chromium.launch({ executablePath: browserPath, args: ["--no-sandbox"] });
  page = await browser.newPage({ acceptDownloads: true });
  await signIn(page, base, "admin", ADMIN_PASSWORD);
});

after(async () => {
  await browser?.close();
  server?.kill("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
});

/** The big figure of the card titled `label`. */
const card = (label) => page.locator(".card", { has: page.locator("h2", { hasText: new RegExp(`^${label}$`) }) }).locator(".big");

test("the overview shows the API's figures", async () => {
  await page.goto(`${base}/units/83?as_of=2023-11-14`);
  const p = await api("/api/v1/units/83/progress?as_of=2023-11-14&children=true");
  assert.equal(await page.locator("h1").innerText(), "Tỉnh Bến Tre (83)");
  assert.equal(await card("Thu nhận").innerText(), vi(p.unit.counts.collected));
  assert.equal(await card("Kích hoạt").innerText(), vi(p.unit.counts.activated));
  assert.equal(await card("Đủ điều kiện").innerText(), vi(p.unit.eligible));
  const rows = page.locator("#children tbody tr");
  assert.equal(await rows.count(), p.children.length);
  // The charts drew.
  await page.locator("#chart-cumulative canvas").waitFor();
});

test("drill down from the province to a commune", async () => {
  await page.goto(`${base}/units/83?as_of=2023-11-14`);
  for (const level of ["district", "commune"]) {
    await page.locator("#children tbody tr th a").first().click();
    await page.waitForLoadState();
    const code = new URL(page.url()).pathname.split("/").pop();
    const u = await api(`/api/v1/units/${code}`);
    assert.equal(u.unit.level, level);
    assert.equal(await page.locator("h1").innerText(), `${u.unit.name} (${code})`);
    const p = await api(`/api/v1/units/${code}/progress?as_of=2023-11-14`);
    assert.equal(await card("Thu nhận").innerText(), vi(p.counts.collected));
  }
  // The breadcrumbs lead back up.
  await page.locator(".crumbs a", { hasText: "Tỉnh Bến Tre" }).click();
  assert.match(page.url(), /\/units\/83\?/);
});

/** The map's colour class by default: the status of the collection target
 * (crates/web/src/map.rs). */
const band = (progress) => {
  const s = progress.projection.collected?.status;
  return s == null ? "band-none" : s === "done" ? "band-done" : `status-${s}`;
};

test("the green map: the country's provinces, then the province's treemap, by keyboard and click", async () => {
  await page.goto(`${base}/?as_of=2023-11-14`);
  const units = await api("/api/v1/units");
  const provinces = page.locator("#map svg.provinces a");
  assert.equal(await provinces.count(), units.length);
  const p = await api("/api/v1/units/83/progress?as_of=2023-11-14&children=true");
  const benTre = page.locator('#map svg.provinces a[href^="/units/83?"]');
  assert.equal(await benTre.locator("path").getAttribute("class"), band(p.unit));
  // Its figures are its tooltip and its name for screen readers.
  assert.match(await benTre.getAttribute("aria-label"), new RegExp(`Thu nhận: ${vi(p.unit.counts.collected).replace(/\./g, "\\.")}`));
  await benTre.focus();
  await page.keyboard.press("Enter");
  await page.waitForURL(/\/units\/83\?/);
  // The districts as a treemap, each coloured by its own status.
  const cells = page.locator("#map svg.treemap a");
  assert.equal(await cells.count(), p.children.length);
  for (const c of p.children) {
    const rect = page.locator(`#map svg.treemap a[href^="/units/${c.unit.code}?"] rect`);
    assert.equal(await rect.getAttribute("class"), band(c), c.unit.name);
  }
  // Coloured by activation instead, and a click drills down.
  await page.locator(".map-metrics a", { hasText: "Kích hoạt" }).click();
  await page.waitForURL(/map=activated/);
  const first = p.children[0];
  await page.locator(`#map svg.treemap a[href^="/units/${first.unit.code}?"] rect`).click();
  await page.waitForURL(new RegExp(`/units/${first.unit.code}\\?.*map=activated`));
  assert.equal(await page.locator("h1").innerText(), `${first.unit.name} (${first.unit.code})`);
});

test("the pages pass axe-core's accessibility checks", async () => {
  const axe = readFileSync(resolve(here, "node_modules/axe-core/axe.min.js"), "utf8");
  const checked = await browser.newPage({ bypassCSP: true });
  await signIn(checked, base, "admin", ADMIN_PASSWORD);
  const anonymous = await browser.newPage({ bypassCSP: true });
  for (const path of [
    "/?as_of=2023-11-14",
    "/units/83",
    "/units/99999",
    "/units/83?as_of=2023-11-14",
    "/units/83?as_of=2023-11-14&lang=en&map=activated",
    "/units/83/ranking?as_of=2023-11-14&level=commune",
    "/units/83/completed?as_of=2023-11-14",
    "/units/83/compare?as_of=2023-11-14",
    "/units/83/daily?date=2023-11-14",
    "/units/83/funnel?as_of=2023-11-14",
    "/units/83?as_of=2023-11-14&map_by=pct",
    "/units/83/compare?as_of=2023-11-14&period=7",
    "/units/83/daily?date=2023-11-14&lang=en",
    "/search?q=ba+tri",
    "/password",
    "/admin/users",
    "/admin/audit",
    "/login",
  ]) {
    // axe is injected as an inline script, which the site's CSP refuses:
    // this page bypasses it (the site's own scripts are files).
    const checker = path === "/login" ? anonymous : checked;
    await checker.goto(base + path);
    await checker.addScriptTag({ content: axe });
    const result = await checker.evaluate(() => window.axe.run(document, { runOnly: ["wcag2a", "wcag2aa", "best-practice"] }));
    const found = result.violations.map((v) => `${v.impact} ${v.id} at ${v.nodes.map((n) => n.target).join(", ")}: ${v.nodes[0].failureSummary}`);
    assert.deepEqual(found, [], path);
  }
  await checked.close();
  await anonymous.close();
});

test("another day", async () => {
  await page.goto(`${base}/units/83?as_of=2023-11-14`);
  await page.fill("#as_of", "2023-10-01");
  await page.locator("form.asof button").click();
  await page.waitForURL(/as_of=2023-10-01/);
  const p = await api("/api/v1/units/83/progress?as_of=2023-10-01");
  assert.equal(await card("Thu nhận").innerText(), vi(p.counts.collected));
  assert.match(await page.locator(".sub").innerText(), /01\/10\/2023/);
});

test("without a day, a page opens on the last day with data and says so", async () => {
  // The last local day of the generated events, read from the file.
  const lines = readFileSync(join(dir, "gen", "events.csv"), "utf8").trim().split("\n");
  const at = lines[0].split(",").indexOf("at");
  const last = lines.slice(1).map((l) => l.split(",")[at].slice(0, 10)).sort().pop();
  const [y, m, d] = last.split("-");
  await page.goto(`${base}/units/83`);
  assert.equal(await page.locator("main").getAttribute("data-as-of"), last);
  assert.equal(await page.locator("#as_of").inputValue(), last);
  assert.match(await page.locator(".sub").innerText(), new RegExp(`^Số liệu tính đến hết ngày ${d}/${m}/${y}`));
  assert.equal(
    await page.locator(".dated .notice").innerText(),
    `Không có số liệu sau ngày ${d}/${m}/${y}: trang mở ở ngày cuối cùng có số liệu.`,
  );
  assert.match(await page.locator(".dated .updated").innerText(), /^Cập nhật lần cuối lúc \d\d:\d\d ngày \d\d\/\d\d\/\d{4}, từ .*events\.csv$/);
  const p = await api(`/api/v1/units/83/progress?as_of=${last}`);
  assert.equal(await card("Thu nhận").innerText(), vi(p.counts.collected));
  // A day in the future says what its figures are.
  await page.goto(`${base}/units/83?as_of=2099-01-01&lang=en`);
  assert.match(await page.locator(".dated .notice").innerText(), /^01\/01\/2099 has not come yet|^2099-01-01 has not come yet/);
});

test("a wrong address gets a page in Vietnamese, in the site's layout, with the way back", async () => {
  const response = await page.goto(`${base}/units/99999`);
  assert.equal(response.status(), 404);
  assert.equal(await page.locator("h1").innerText(), "Không tìm thấy (404)");
  assert.ok(await page.locator("header .brand").isVisible());
  await page.locator("main a", { hasText: "Về trang chủ" }).click();
  await page.waitForLoadState();
  assert.equal(new URL(page.url()).pathname, "/");
  assert.equal(await page.locator("h1").innerText(), "Toàn quốc");
  // The day as the page writes it is taken in the address too.
  await page.goto(`${base}/units/83?as_of=14/11/2023`);
  assert.equal(await page.locator("main").getAttribute("data-as-of"), "2023-11-14");
});

test("download the period report", async () => {
  await page.goto(`${base}/units/83?as_of=2023-11-14`);
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.locator("a", { hasText: "Báo cáo sơ kết (PDF)" }).click(),
  ]);
  assert.match(download.suggestedFilename(), /\.pdf$/);
  const file = join(dir, "report.pdf");
  await download.saveAs(file);
  assert.equal(readFileSync(file).subarray(0, 5).toString(), "%PDF-");
});

test("a new event shows up without a reload", async () => {
  // Someone on the roster who has not applied: the first citizen with no event.
  const citizens = readFileSync(join(dir, "gen", "citizens.csv"), "utf8").trim().split("\n").slice(1);
  const events = readFileSync(join(dir, "gen", "events.csv"), "utf8");
  const row = citizens.find((l) => !events.includes(l.split(",")[0]));
  assert.ok(row, "the generated roster has someone who never applied");
  const [id] = row.split(",");
  await page.goto(`${base}/units/83?as_of=2023-12-31&poll=1000`);
  const before = await card("Thu nhận").innerText();
  await page.evaluate(() => { window.__sameDocument = true; });
  await api("/api/v1/events", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ event_id: "browser-1", citizen_id: id, kind: "collected", level: 1, at: "2023-12-30 09:00" }),
  });
  const p = await api("/api/v1/units/83/progress?as_of=2023-12-31");
  await page.waitForFunction((want) => {
    const c = [...document.querySelectorAll(".card")].find((e) => e.querySelector("h2").textContent === "Thu nhận");
    return c && c.querySelector(".big").textContent === want;
  }, vi(p.counts.collected), { timeout: 10000 });
  assert.notEqual(await card("Thu nhận").innerText(), before);
  assert.ok(await page.evaluate(() => window.__sameDocument), "the page was not reloaded");
});
