// The morning briefing in real headless Chromium, on the small hand-made
// fixture of tests/data (10 citizens of Bến Tre, events 20/08–12/09/2023),
// so that every figure checked here is one worked out by hand in the
// comments, not only one the API agrees with (page and API share code):
// who is behind, the attention list, a compare page on a chosen day and
// period, same-named communes told apart, the search box, a 360 px phone
// with no horizontal overflow outside table boxes, a printed page, and the
// English version of every tab.
//
// Run by scripts/test (PHUXANH_BIN names the binary, CHROMIUM the browser).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium } from "playwright-core";
import { ADMIN_PASSWORD, signIn, startServer } from "./session.mjs";

const here = new URL(".", import.meta.url).pathname;
const data = resolve(here, "../data");
const bin = process.env.PHUXANH_BIN || resolve(here, "../../target/debug/phuxanh");
const browserPath = process.env.CHROMIUM || "/usr/bin/chromium";
const dir = mkdtempSync(join(tmpdir(), "phuxanh-briefing-"));
const db = join(dir, "briefing.db");
const port = 19500 + Math.floor(Math.random() * 400);
const base = `http://127.0.0.1:${port}`;
let server, browser, page, token;

const run = (...args) => execFileSync(bin, ["--db", db, ...args], { cwd: dir, stdio: "pipe" }).toString();
const api = async (path) => {
  const r = await fetch(base + path, { headers: { authorization: `Bearer ${token}` } });
  assert.ok(r.ok, `${path}: ${r.status}`);
  return r.json();
};
/** The texts of the cells of the row of `name` in the page's first table. */
const row = async (name, table = "table") =>
  page.locator(`${table} tbody tr`, { has: page.locator(`a:text-is("${name}")`) }).first().locator("th, td").allInnerTexts();

before(async () => {
  writeFileSync(join(dir, "admin.pw"), ADMIN_PASSWORD);
  run("init", "--units", "none", "--admin-password-file", join(dir, "admin.pw"));
  token = run("tokens", "create", "--user", "admin").trim();
  // Two communes named "Xã Vĩnh Hòa", one in each district (no citizens).
  writeFileSync(join(dir, "more.csv"), "code,name,level,parent_code\n28756,Xã Vĩnh Hòa,commune,836\n28757,Xã Vĩnh Hòa,commune,837\n");
  run("units", "import", join(data, "units.csv"));
  run("units", "import", join(dir, "more.csv"));
  run("citizens", "import", join(data, "citizens.csv"));
  run("events", "import", join(data, "events.csv"));
  run("targets", "import", join(data, "targets.csv"));
  run("campaigns", "add", "Cao điểm", "--from", "2023-09-01", "--to", "2023-09-10");
  server = await startServer(bin, db, port);
  browser = await chromium.launch({ executablePath: browserPath, args: ["--no-sandbox"] });
  page = await browser.newPage();
  await signIn(page, base, "admin", ADMIN_PASSWORD);
});

after(async () => {
  await browser?.close();
  server?.kill("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
});

test("the children's table says who is behind, and the attention list why", async () => {
  // On 12/09/2023, the last day with events: Thạnh Phú has 6 eligible and
  // 5 collected (citizens 1, 2, 3, 6, 9) of a target of 7 due 15/12, 94
  // days away: 2 to go, 2/94 = 0,02 a day; 2 collected in the last 7
  // days, so on track; 1 collected on 12/09 (citizen 9). Ba Tri: 2 of 2,
  // done.
  await page.goto(`${base}/units/83`);
  assert.deepEqual((await row("Huyện Thạnh Phú")).slice(0, 8), ["Huyện Thạnh Phú", "Đúng tiến độ", "6", "5", "71,43%", "2", "0,02", "1"]);
  assert.deepEqual((await row("Huyện Ba Tri")).slice(0, 4), ["Huyện Ba Tri", "Đã hoàn thành", "2", "2"]);
  assert.equal(await page.locator(".attention").innerText().then((t) => t.includes("Không có đơn vị nào cần chú ý.")), true);
  // Sorting by status puts the worst first: on track before done.
  await page.locator("#children thead button", { hasText: "Tiến độ" }).click();
  assert.equal(await page.locator("#children tbody tr th a").first().innerText(), "Huyện Thạnh Phú");
  // Five days after the deadline Thạnh Phú is 2 short: first to call.
  await page.goto(`${base}/units/83?as_of=2023-12-20`);
  const first = page.locator(".attention li").first();
  assert.equal(await first.innerText(), "Huyện Thạnh Phú: thu nhận quá hạn 5 ngày (hạn 15/12/2023), còn thiếu 2 so với chỉ tiêu");
  await first.locator("a").click();
  await page.waitForURL(/\/units\/837\?/);
});

test("the compare page measures the chosen period up to the chosen day", async () => {
  // "Cao điểm" (01/09–10/09) looked at on 05/09: 01/09–05/09 against
  // 27/08–31/08. In it citizen 6 was collected (02/09) and citizen 5
  // activated (05/09); before it nobody was activated.
  await page.goto(`${base}/units/83/compare?as_of=2023-09-05`);
  await page.selectOption("select[name=period]", { label: "Đợt «Cao điểm» (01/09/2023–10/09/2023)" });
  await page.locator("form.controls button").click();
  await page.waitForURL(/period=campaign/);
  assert.match(await page.locator(".sub").innerText(), /đợt «Cao điểm» từ 01\/09\/2023 đến 05\/09\/2023 \(5 ngày\), so với 5 ngày trước đó, từ 27\/08\/2023 đến 31\/08\/2023/);
  const cells = await row("Tỉnh Bến Tre");
  assert.equal(cells[2], "1");
  assert.deepEqual(cells.slice(5, 8), ["1", "0", ""]);
  // The page's JSON link gives the same days.
  const json = await page.locator(".downloads a", { hasText: "JSON" }).getAttribute("href");
  const c = await api(json);
  assert.deepEqual([c.window.from, c.window.to, c.unit.window.activated], ["2023-09-01", "2023-09-05", 1]);
  // The last 7 days to the day.
  await page.selectOption("select[name=period]", "7");
  await page.locator("form.controls button").click();
  await page.waitForURL(/period=7/);
  assert.match(await page.locator(".sub").innerText(), /từ 30\/08\/2023 đến 05\/09\/2023 \(7 ngày\)/);
});

test("same-named communes are told apart, and the search box finds them without diacritics", async () => {
  await page.goto(`${base}/units/83/ranking?level=commune&as_of=2023-09-12`);
  const headers = await page.locator("table thead th").allInnerTexts();
  const under = headers.indexOf("Thuộc");
  assert.ok(under > 0, headers.join("|"));
  const parents = await page.locator("table tbody tr", { has: page.locator('a:text-is("Xã Vĩnh Hòa")') }).evaluateAll(
    (rows, i) => rows.map((r) => r.children[i].innerText), under);
  assert.deepEqual(parents.sort(), ["Huyện Ba Tri", "Huyện Thạnh Phú"]);
  // Search from the header, typed as on a phone keyboard.
  await page.fill("header .search input", "vinh hoa");
  await page.keyboard.press("Enter");
  await page.waitForURL(/\/search\?q=vinh\+hoa/);
  assert.deepEqual(await page.locator(".found li").allInnerTexts(), [
    "Xã Vĩnh Hòa — Huyện Ba Tri (Xã, 28756)",
    "Xã Vĩnh Hòa — Huyện Thạnh Phú (Xã, 28757)",
  ]);
  await page.locator(".found a").nth(1).click();
  await page.waitForURL(/\/units\/28757\?/);
  assert.equal(await page.locator("h1").innerText(), "Xã Vĩnh Hòa (28757)");
});

test("on a 360 px phone nothing overflows outside the table boxes", async () => {
  const phone = await browser.newPage({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
  await signIn(phone, base, "admin", ADMIN_PASSWORD);
  for (const path of [
    "/units/83", "/units/837", "/units/83/ranking?level=commune", "/units/83/compare",
    "/units/83/daily", "/units/83/funnel", "/units/83/completed", "/search?q=ba+tri", "/units/99999",
    "/units/837/reports", "/settings",
  ]) {
    await phone.goto(base + path);
    if (path === "/units/83") { await phone.locator("#chart-daily canvas").waitFor(); }
    const outside = await phone.evaluate(() => {
      const width = document.documentElement.clientWidth;
      return [...document.querySelectorAll("body *")]
        .filter((e) => !e.closest(".scroll") && e.getBoundingClientRect().right > width + 0.5)
        .map((e) => `${e.tagName.toLowerCase()}.${e.className}`);
    });
    assert.deepEqual(outside, [], path);
    assert.equal(await phone.evaluate(() => document.documentElement.scrollWidth), 360, path);
  }
  // The daily values are in a table under the chart, no hover needed: on
  // 12/09 citizen 9 was collected, nobody activated; 7 collected in all
  // (1, 2, 3, 5, 6, 9, 10) and 3 activated (1, 5, 6).
  await phone.goto(`${base}/units/83`);
  await phone.locator("#chart-table tbody tr").first().waitFor();
  assert.deepEqual(await phone.locator("#chart-table tbody tr").first().locator("th, td").allInnerTexts(), ["12/09/2023", "1", "0", "7", "3"]);
  await phone.close();
});

test("an overview prints on A4 with its unit and day, without the controls", async () => {
  await page.goto(`${base}/units/83?as_of=2023-09-12`);
  await page.locator("#chart-cumulative canvas").waitFor();
  const file = join(dir, "overview.pdf");
  // The page size is the print stylesheet's (@page A4).
  await page.pdf({ path: file, preferCSSPageSize: true, printBackground: true });
  const text = execFileSync("pdftotext", ["-layout", file, "-"]).toString();
  assert.match(text, /Tỉnh Bến Tre/);
  assert.match(text, /Số liệu tính đến hết ngày 12\/09\/2023/);
  assert.doesNotMatch(text, /Tìm đơn vị…|Báo cáo sơ kết \(XLSX\)/);
  const info = execFileSync("pdfinfo", [file]).toString();
  assert.match(info, /Page size:\s+59\d(\.\d+)? x 84\d(\.\d+)? pts \(A4\)/);
});

test("the English version covers every page and tab", async () => {
  for (const path of ["/units/83", "/units/83/ranking", "/units/83/completed", "/units/83/compare", "/units/83/daily", "/units/83/funnel", "/data-quality", "/search?q=ba", "/units/99999"]) {
    await page.goto(`${base}${path}${path.includes("?") ? "&" : "?"}lang=en`);
    // Unit names stay Vietnamese; the product's own words must not.
    const text = (await page.locator("body").innerText())
      .replace(/(Tỉnh|Huyện|Thị trấn|Xã|Khu phố) [^\n,|—(]*/g, "");
    for (const word of ["Thu nhận", "Kích hoạt", "Chỉ tiêu", "Đơn vị", "ngày", "Tiến độ", "Số liệu", "Cần"]) {
      assert.ok(!text.includes(word), `${path}: '${word}' in ${text}`);
    }
  }
});

// Last: the late event it imports stays.
test("a report issued from the overview is kept as sent, beside late data", async () => {
  // Thạnh Phú to 12/09/2023 (the page's default day): 5 collected of 7.
  await page.goto(`${base}/units/837`);
  await page.locator("#issue-by").fill("Đại úy Lê");
  await page.locator(".issue-form button").click();
  await page.waitForURL(/\/reports\/1\?lang=vi$/);
  assert.match(await page.locator("h1").innerText(), /Báo cáo số 1/);
  assert.match(await page.locator("#changed-count").innerText(), /^0 chỉ số/);
  // Hoa (079188000008, Thị trấn Thạnh Phú) applied on 05/09; it arrives
  // late: 6 of 7 now, 71,43% → 85,71%.
  writeFileSync(join(dir, "late.csv"), "event_id,citizen_id,kind,level,at\nlate-1,079188000008,collected,1,2023-09-05 09:00\n");
  run("events", "import", join(dir, "late.csv"));
  await page.goto(`${base}/reports/1?changed=1`);
  const cells = (label) => page.locator("table.sent-now tbody tr", { has: page.locator(`td:text-is("${label}")`) }).first().locator("td").allInnerTexts();
  assert.deepEqual(await cells("Thu nhận"), ["Tổng hợp", "Thu nhận", "5", "6", "+1"]);
  assert.deepEqual(await cells("Tỷ lệ đạt chỉ tiêu thu nhận"), ["Tổng hợp", "Tỷ lệ đạt chỉ tiêu thu nhận", "71,43%", "85,71%", "+14,28 điểm %"]);
  // The archive lists it, and its file is a PDF.
  await page.goto(`${base}/units/837/reports`);
  assert.deepEqual((await page.locator("tbody tr").first().locator("td").allInnerTexts()).slice(2, 4), ["Đại úy Lê", "12/09/2023"]);
  const file = await fetch(`${base}/reports/1/file`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(file.headers.get("content-type"), "application/pdf");
  // Read on a phone, the table scrolls in its box.
  const phone = await browser.newPage({ viewport: { width: 360, height: 740 }, isMobile: true });
  await signIn(phone, base, "admin", ADMIN_PASSWORD);
  await phone.goto(`${base}/reports/1`);
  assert.equal(await phone.evaluate(() => document.documentElement.scrollWidth), 360);
  await phone.close();
});
