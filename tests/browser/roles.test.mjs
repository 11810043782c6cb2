// What each role sees: the demo's sample users (one per role) sign in
// through the sign-in page in headless Chromium, and each finds their own
// unit, the links their role allows, and a refusal outside it.
//
// Run by scripts/test (PHUXANH_BIN names the binary, CHROMIUM the browser).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium } from "playwright-core";
import { signIn, startServer } from "./session.mjs";

const here = new URL(".", import.meta.url).pathname;
const bin = process.env.PHUXANH_BIN || resolve(here, "../../target/debug/phuxanh");
const browserPath = process.env.CHROMIUM || "/usr/bin/chromium";
const dir = mkdtempSync(join(tmpdir(), "phuxanh-roles-"));
const db = join(dir, "demo.db");
const port = 20000 + Math.floor(Math.random() * 400);
const base = `http://127.0.0.1:${port}`;
let server, browser;
/** The held event's citizen, and their ID as a team member sees it. */
const HELD_ID = "083090999001";
const HELD_MASKED = "083******001";
/** name → { unit, password }, as `demo` printed them. */
const users = {};

before(async () => {
  const out = execFileSync(bin, ["demo", "--demo-db", db, "--citizens", "10000", "--no-serve", "--no-open"], { cwd: dir, stdio: "pipe" }).toString();
  for (const m of out.matchAll(/^ {2}(\S+)\s+.+?\s(\S+)\s+mật khẩu: (\S+)$/gm)) {
    users[m[1]] = { unit: m[2], password: m[3] };
  }
  assert.deepEqual(Object.keys(users).sort(), ["admin", "ca.huyen", "ca.tinh", "to.xa", "xem.tinh"], out);
  // A citizen of the team's commune whose activation came before the
  // collection export: one held event, a list of one person.
  const run = (...args) => execFileSync(bin, ["--db", db, ...args], { cwd: dir, stdio: "pipe" });
  writeFileSync(join(dir, "late.csv"), `id,full_name,birth_date,sex,unit_code\n${HELD_ID},Nguyễn Văn Muộn,1990-05-05,M,${users["to.xa"].unit}\n`);
  run("citizens", "import", join(dir, "late.csv"));
  writeFileSync(join(dir, "held.csv"), `event_id,citizen_id,kind,level,at\nmuon-1,${HELD_ID},activated,1,2023-11-10 20:00\n`);
  run("events", "import", join(dir, "held.csv"));
  server = await startServer(bin, db, port);
  browser = await chromium.launch({ executablePath: browserPath, args: ["--no-sandbox"] });
});

after(async () => {
  await browser?.close();
  server?.kill("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
});

/** A fresh browser signed in as `name`. */
async function as(name) {
  const page = await browser.newPage();
  await signIn(page, base, name, users[name].password);
  return page;
}

const status = async (page, path) => (await page.goto(base + path)).status();

test("nobody signed in is sent to the sign-in page, and a wrong password is refused", async () => {
  const page = await browser.newPage();
  await page.goto(`${base}/units/83`);
  assert.equal(new URL(page.url()).pathname, "/login");
  await page.fill("#username", "ca.tinh");
  await page.fill("#password", "not the password");
  await page.click("button[type=submit]");
  assert.match(await page.locator(".error-message").innerText(), /không đúng/);
  assert.equal((await fetch(`${base}/api/v1/units/83/progress`)).status, 401);
  await page.close();
});

test("the administrator sees the country and the administrator's pages", async () => {
  const page = await as("admin");
  await page.goto(`${base}/`);
  assert.equal(new URL(page.url()).pathname, "/");
  assert.equal(await page.locator("header a[href='/admin/users']").count(), 1);
  assert.equal(await status(page, "/admin/users"), 200);
  assert.ok(await page.locator("td", { hasText: "ca.huyen" }).count() > 0);
  assert.equal(await status(page, "/admin/audit"), 200);
  assert.match(await page.locator("main p[role=status]").first().innerText(), /nguyên vẹn/);
  await page.close();
});

test("the province's manager starts at the province and may issue reports", async () => {
  const page = await as("ca.tinh");
  await page.goto(`${base}/`);
  assert.equal(new URL(page.url()).pathname, `/units/${users["ca.tinh"].unit}`);
  assert.equal(await page.locator(".issue-form").count(), 1);
  assert.equal(await page.locator("header a[href='/admin/users']").count(), 0);
  assert.equal(await status(page, "/admin/users"), 403);
  assert.equal(await status(page, "/units/79"), 403, "another province");
  await page.close();
});

test("the district's manager sees the province named above, not linked, and not its page", async () => {
  const page = await as("ca.huyen");
  const district = users["ca.huyen"].unit;
  await page.goto(`${base}/`);
  assert.equal(new URL(page.url()).pathname, `/units/${district}`);
  assert.equal(await page.locator(".crumbs .above").count(), 1);
  assert.equal(await page.locator(`.crumbs a[href^='/units/${users["ca.tinh"].unit}?']`).count(), 0);
  assert.equal(await status(page, `/units/${users["ca.tinh"].unit}`), 403);
  await page.close();
});

test("a team member works in their commune: its held events with ID numbers masked, nothing to download, no report to issue", async () => {
  const page = await as("to.xa");
  await page.goto(`${base}/`);
  assert.equal(new URL(page.url()).pathname, `/units/${users["to.xa"].unit}`);
  assert.equal(await page.locator(".issue-form").count(), 0);
  assert.equal(await status(page, `/data-quality?unit=${users["to.xa"].unit}`), 200);
  const held = await page.locator("#held tbody").innerText();
  assert.match(held, new RegExp(HELD_MASKED.replaceAll("*", "\\*")));
  assert.doesNotMatch(await page.content(), new RegExp(HELD_ID));
  assert.equal(await page.locator(".downloads a").count(), 0);
  assert.equal(await status(page, `/data-quality/held.xlsx?unit=${users["to.xa"].unit}`), 403);
  // Their door-to-door list, from the unit's tab: the commune's people by
  // household, ID numbers masked, a column to tick, no download.
  await page.goto(`${base}/units/${users["to.xa"].unit}?as_of=2023-11-14`);
  await page.click(".tabs a[href*='/worklist']");
  assert.equal(new URL(page.url()).pathname, `/units/${users["to.xa"].unit}/worklist`);
  const ids = await page.locator("table.worklist td.id").allInnerTexts();
  assert.ok(ids.length > 0, "the list has people");
  assert.ok(ids.every((id) => /^\d{3}\*{6}\d{3}$/.test(id)), ids.slice(0, 5).join(" "));
  assert.equal(await page.locator(".downloads a").count(), 0);
  assert.match(await page.locator("#worklist-summary").innerText(), /hộ đã xong/);
  assert.equal(await status(page, `/units/${users["ca.huyen"].unit}`), 403);
  await page.close();
});

test("the province's manager sees the held list whole and downloads it marked with their name", async () => {
  const page = await as("ca.tinh");
  await page.goto(`${base}/data-quality`);
  assert.match(await page.locator("#held tbody").innerText(), new RegExp(HELD_ID));
  const [download] = await Promise.all([page.waitForEvent("download"), page.click(".downloads a[href*='held.xlsx']")]);
  const file = join(dir, "held.xlsx");
  await download.saveAs(file);
  // An XLSX is a zip: the mark is in the shared strings (its second row)
  // and in the worksheet's page header.
  const bytes = readFileSync(file);
  assert.equal(bytes.subarray(0, 2).toString(), "PK");
  const list = execFileSync("unzip", ["-p", file, "xl/sharedStrings.xml", "xl/worksheets/sheet1.xml"]).toString();
  assert.match(list, /Xuất bởi ca\.tinh/);
  assert.match(list, new RegExp(HELD_ID));
  const audit = execFileSync(bin, ["--db", db, "audit", "--action", "personal.export", "--format", "json"]).toString();
  assert.match(audit, /"actor": "ca\.tinh"/);
  await page.close();
});

test("a viewer sees figures, never a person, and signs out", async () => {
  const page = await as("xem.tinh");
  await page.goto(`${base}/`);
  assert.equal(new URL(page.url()).pathname, `/units/${users["xem.tinh"].unit}`);
  assert.ok(await page.locator(".card").count() > 0);
  assert.equal(await page.locator(".issue-form").count(), 0);
  assert.equal(await status(page, "/data-quality"), 403);
  await page.goto(`${base}/units/${users["xem.tinh"].unit}`);
  await Promise.all([page.waitForURL((u) => u.pathname === "/login"), page.click("header .logout button")]);
  await page.goto(`${base}/units/${users["xem.tinh"].unit}`);
  assert.equal(new URL(page.url()).pathname, "/login", "the session ended");
  await page.close();
});
