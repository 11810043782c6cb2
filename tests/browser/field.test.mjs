// The field page on a phone (360 × 740): a team member records at the
// door without network and everything arrives once; an answer lost on the
// way changes nothing when the phone sends again; a phone whose clock is a
// day behind sees its entries flagged, not counted on the wrong day.
//
// Run by scripts/test (PHUXANH_BIN names the binary, CHROMIUM the browser).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium } from "playwright-core";
import { signIn, startServer } from "./session.mjs";

const here = new URL(".", import.meta.url).pathname;
const bin = process.env.PHUXANH_BIN || resolve(here, "../../target/debug/phuxanh");
const browserPath = process.env.CHROMIUM || "/usr/bin/chromium";
const dir = mkdtempSync(join(tmpdir(), "phuxanh-field-"));
const db = join(dir, "demo.db");
const port = 20400 + Math.floor(Math.random() * 400);
const base = `http://127.0.0.1:${port}`;
let server, browser, member, token;

before(async () => {
  const out = execFileSync(bin, ["demo", "--demo-db", db, "--citizens", "10000", "--no-serve", "--no-open"], { cwd: dir, stdio: "pipe" }).toString();
  const m = out.match(/^ {2}to\.xa\s+.+?\s(\S+)\s+mật khẩu: (\S+)$/m);
  member = { unit: m[1], password: m[2] };
  token = execFileSync(bin, ["--db", db, "tokens", "create", "--user", "admin"], { stdio: ["ignore", "pipe", "ignore"] }).toString().trim();
  server = await startServer(bin, db, port);
  browser = await chromium.launch({ executablePath: browserPath, args: ["--no-sandbox"] });
});

after(async () => {
  await browser?.close();
  server?.kill("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
});

/** The API as the administrator. */
async function api(path) {
  const r = await fetch(base + path, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(r.status, 200, path);
  return r.json();
}
const collected = async () => (await api(`/api/v1/units/${member.unit}/progress?as_of=2100-01-01`)).counts.collected;
/** The visits recorded for `citizen`, read by the command line. */
const visitsOf = (citizen) =>
  JSON.parse(execFileSync(bin, ["--db", db, "visits", "list", "--citizen", citizen, "--format", "json"], { stdio: ["ignore", "pipe", "ignore"] }).toString()).visits;

/** A phone-sized page of the team member, on /field with its list loaded. */
async function phone(options = {}) {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, ...options });
  const page = await context.newPage();
  await signIn(page, base, "to.xa", member.password);
  await page.goto(`${base}/field`);
  await page.waitForFunction(() => document.querySelectorAll("#people li").length > 0);
  return { context, page };
}

/** Opens the first person on the list whose ref is not in `skip` and taps
 * `label`; returns their ref (the team member sees IDs masked). */
async function tap(page, label, skip = []) {
  const people = page.locator("#people li.person");
  const n = await people.count();
  for (let i = 0; i < n; i++) {
    const li = people.nth(i);
    const ref = await li.getAttribute("data-ref");
    if (skip.includes(ref)) continue;
    assert.match(await li.getAttribute("data-id"), /^\d{3}\*{6}\d{3}$/);
    await li.locator("button.who").click();
    await li.locator(".actions button", { hasText: label }).first().click();
    return ref;
  }
  throw new Error("nobody left on the list");
}

/** The ID behind a list's ref, as the administrator sees it. */
async function idOf(ref) {
  const list = await api(`/api/v1/units/${member.unit}/worklist?kind=not-applied&as_of=2100-01-01`);
  for (const p of list.places) for (const h of p.list) for (const m of h.members) if (String(m.ref) === ref) return m.citizen_id;
  throw new Error(`no ref ${ref}`);
}

const pending = async (page) => Number(await page.locator("#pending").innerText());
const pendingIs = (page, n) => page.waitForFunction((n) => document.querySelector("#pending").textContent === String(n), n);

test("entries made without network wait on the phone and arrive once when it is back", async () => {
  const { context, page } = await phone();
  // The page and its script are kept by the service worker.
  await page.evaluate(() => navigator.serviceWorker.ready);
  await page.reload();
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
  await page.waitForFunction(() => document.querySelectorAll("#people li").length > 0);
  const before = await collected();

  await context.setOffline(true);
  const applied = await tap(page, "Thu nhận mức 2");
  const away = await tap(page, "Không có nhà", [applied]);
  await pendingIs(page, 2);
  // Opened again without network: the page, the list and the queue are there.
  await page.reload();
  await page.waitForFunction(() => document.querySelectorAll("#people li").length > 0);
  await pendingIs(page, 2);
  assert.match(await page.locator("#list-state").innerText(), /không có mạng/);

  await context.setOffline(false);
  await page.evaluate(() => window.dispatchEvent(new Event("online")));
  await page.waitForFunction(() => document.querySelector("#pending").textContent === "0");
  assert.equal(await collected(), before + 1, "the application counts once");
  const visits = visitsOf(await idOf(away)).filter((v) => v.outcome === "not-home" && v.recorded_by === "to.xa");
  assert.equal(visits.length, 1, JSON.stringify(visits));
  // Sent again by hand: nothing more.
  await page.click("#sync-now");
  assert.equal(await collected(), before + 1);
  await context.close();
});

test("a sync whose answer is lost is sent again and adds nothing", async () => {
  const { context, page } = await phone();
  const before = await collected();
  // The first sync reaches the server, which records it; its answer never
  // reaches the phone.
  let dropped = 0;
  await page.route("**/api/v1/sync", async (route) => {
    if (dropped === 0) {
      dropped++;
      await route.fetch();
      await route.abort("failed");
    } else {
      await route.continue();
    }
  });
  await tap(page, "Thu nhận mức 1");
  await page.waitForFunction(() => /Chưa gửi được/.test(document.querySelector("#sync-state").textContent));
  assert.equal(dropped, 1);
  assert.equal(await pending(page), 1, "the phone was not told: it keeps the entry");
  assert.equal(await collected(), before + 1, "the server has it already");
  await page.click("#sync-now");
  await page.waitForFunction(() => document.querySelector("#pending").textContent === "0");
  assert.equal(await collected(), before + 1, "and no more");
  await context.close();
});

test("a phone whose clock is a day behind sees its entries flagged, not counted", async () => {
  const { context, page } = await phone();
  const before = await collected();
  await context.setOffline(true);
  await page.clock.setFixedTime(new Date(Date.now() - 86_400_000));
  await tap(page, "Thu nhận mức 2");
  await context.setOffline(false);
  await page.click("#sync-now");
  await page.waitForFunction(() => document.querySelector("#pending").textContent === "0");
  assert.equal(await page.locator("#clock-warning").isVisible(), true);
  assert.match(await page.locator("#answers").innerText(), /Cần xem lại thời gian/);
  assert.equal(await collected(), before, "not counted on the wrong day");
  await context.close();
});
