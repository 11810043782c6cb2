// The README's screenshots, taken by scripts/screenshots from a served demo
// (BASE) into OUT. Not a test: it checks nothing but that the pages load.
import { chromium } from "playwright-core";
import { join } from "node:path";
import { signIn } from "./session.mjs";

const base = process.env.BASE;
const out = process.env.OUT;
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium", args: ["--no-sandbox"] });
const shots = [
  // name, path, width, height, what to photograph
  ["map-country", `${process.env.COUNTRY}/?as_of=2023-11-14`, 1280, 900, "#map"],
  ["country", `${process.env.COUNTRY}/?as_of=2023-11-14`, 1280, 900, "main"],
  ["overview", "/units/83?as_of=2023-11-14", 1280, 900, "main"],
  ["attention", "/units/83?as_of=2023-11-14", 1280, 900, ".attention"],
  ["children", "/units/83?as_of=2023-11-14", 1280, 900, "#children"],
  ["map-treemap", "/units/83?as_of=2023-11-14&map=activated", 1280, 900, "#map"],
  ["map-bands", "/units/83?as_of=2023-11-14&map_by=pct", 1280, 900, "#map"],
  ["charts", "/units/83?as_of=2023-11-14", 1280, 900, "#charts"],
  ["ranking", "/units/83/ranking?as_of=2023-11-14&level=commune", 1280, 900, "main"],
  ["compare", "/units/83/compare?as_of=2023-09-30&period=campaign:60%20ng%C3%A0y%20%C4%91%C3%AAm", 1280, 900, "main"],
  ["funnel", "/units/83/funnel?as_of=2023-11-14", 1280, 900, "main"],
  ["search", "/search?q=vinh+hoa", 1280, 700, "main"],
  ["teams", `/units/${process.env.COMMUNE}/teams`, 1280, 900, "viewport"],
  ["works", "/units/83/teams", 1280, 900, "scroll:#works-title"],
  ["worklist", `/units/${process.env.COMMUNE}/worklist?kind=not-activated&as_of=2023-11-14`, 1280, 900, "viewport"],
  ["phone-field", `/field?unit=${process.env.COMMUNE}`, 360, 740, "viewport"],
  ["phone-overview", "/units/83?as_of=2023-11-14", 360, 740, "viewport"],
  ["phone-commune", "/units/83?as_of=2023-11-14", 360, 740, "commune"],
];
for (const [name, path, width, height, what] of shots) {
  const page = await browser.newPage({ viewport: { width, height }, deviceScaleFactor: 1 });
  // Signed in as the administrator of the served database.
  const country = path.startsWith("http");
  await signIn(page, country ? process.env.COUNTRY : base, "admin", country ? process.env.COUNTRY_PW : process.env.DEMO_PW);
  await page.goto(country ? path : base + path);
  if (what === "commune") {
    // The first district, then its first commune, as a phone user taps.
    await page.locator("#children tbody tr th a").first().click();
    await page.waitForLoadState();
    await page.locator("#children tbody tr th a").first().click();
    await page.waitForLoadState();
  }
  await page.waitForTimeout(700);
  const file = join(out, `${name}.png`);
  if (what.startsWith("scroll:")) {
    // A part of a long page, from its heading down.
    await page.evaluate((sel) => document.querySelector(sel).scrollIntoView(), what.slice(7));
    await page.screenshot({ path: file });
  } else if (what === "viewport" || what === "commune") {
    await page.screenshot({ path: file });
  } else {
    await page.locator(what).first().screenshot({ path: file });
  }
  console.log(file);
  await page.close();
}
await browser.close();
