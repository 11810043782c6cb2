// Builds crates/web/map/provinces.json, the dashboard's green map, and
// crates/web/map/iso-gso.csv, from geoBoundaries' simplified VNM ADM1
// boundaries (geoBoundaries-VNM-ADM1_simplified.geojson beside this file,
// boundary VNM-ADM1-63759600; see crates/web/map/README.md).
//
//   cd scripts/map && npm ci && node build.mjs
//
// Steps: match the features to the GSO codes of the 63 provinces of
// vn-2024 by name (their ISO 3166-2 codes are kept in iso-gso.csv); project
// to Web Mercator; build one topology so that neighbours share their
// borders; simplify it; merge the pieces of each province (Côn Đảo into
// Bà Rịa–Vũng Tàu) and, for vn-2025, the old provinces into the new ones
// (crates/units/data/provinces-2024-to-2025.csv); write each as an SVG
// path in a fixed frame.
import { createHash } from "node:crypto";
import fs from "node:fs";
import { geoIdentity, geoPath } from "d3-geo";
import { merge } from "topojson-client";
import { topology } from "topojson-server";
import { presimplify, quantile, simplify } from "topojson-simplify";

const here = (p) => new URL(p, import.meta.url);
const SOURCE = here("geoBoundaries-VNM-ADM1_simplified.geojson");
const SOURCE_SHA256 = "010bff8d3244064bc8001033ba79acc1215a1fb6e568f6f8a90da7ecec2c2fc5";
const UNITS = here("../../crates/units/data/vn-2024.csv");
const MERGERS = here("../../crates/units/data/provinces-2024-to-2025.csv");
const OUT = here("../../crates/web/map/");
const WIDTH = 600;
// Share of the topology's points kept by the simplification.
const KEEP = 0.2;
// Rings of fewer points than this (islands) are kept whole.
const SMALL_RING = 30;

function fail(message) {
  console.error(`build-map: ${message}`);
  process.exit(1);
}

function csv(url) {
  const [header, ...lines] = fs.readFileSync(url, "utf8").trim().split("\n");
  const names = header.split(",");
  return lines.map((line) => {
    if (line.includes('"')) fail(`${url.pathname}: quoted fields are not expected: ${line}`);
    const cells = line.split(",");
    return Object.fromEntries(names.map((n, i) => [n, cells[i]]));
  });
}

// "Thành phố Hồ Chí Minh", "Ho Chi Minh" -> "hochiminh".
function fold(name) {
  return name
    .replace(/[đĐ]/g, "d")
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]/g, "")
    .replace(/^(thanhpho|tinh)/, "");
}
// geoBoundaries names a province by its name before a renaming.
const ALIASES = { thuathienhue: "hue" };

const source = fs.readFileSync(SOURCE);
const sha = createHash("sha256").update(source).digest("hex");
if (sha !== SOURCE_SHA256) fail(`${SOURCE.pathname} has SHA-256 ${sha}, not the pinned ${SOURCE_SHA256}`);
const geo = JSON.parse(source);

const provinces = csv(UNITS).filter((u) => u.level === "province");
const byName = new Map(provinces.map((p) => [fold(p.name), p]));
const newCode = new Map(csv(MERGERS).map((r) => [r.code_2024, r.code_2025]));

// ISO code -> GSO code, from the features whose names match.
const isoToGso = new Map();
for (const f of geo.features) {
  const key = fold(f.properties.shapeName);
  const p = byName.get(ALIASES[key] ?? key);
  if (!p) continue;
  const seen = isoToGso.get(f.properties.shapeISO);
  if (seen && seen !== p.code) fail(`${f.properties.shapeISO} is both ${seen} and ${p.code}`);
  isoToGso.set(f.properties.shapeISO, p.code);
}
for (const f of geo.features) {
  const code = isoToGso.get(f.properties.shapeISO);
  if (!code) fail(`feature ${f.properties.shapeName} (${f.properties.shapeISO}) matches no province`);
  f.properties = { code, code2025: newCode.get(code) };
}
const missing = provinces.filter((p) => ![...isoToGso.values()].includes(p.code));
if (missing.length) fail(`no geometry for ${missing.map((p) => p.name).join(", ")}`);

// Web Mercator in degrees of longitude: planar from here on, so rings need
// no particular winding.
const mercator = ([lon, lat]) => [lon, (-Math.log(Math.tan(Math.PI / 4 + (lat * Math.PI) / 360)) * 180) / Math.PI];
for (const f of geo.features) {
  const g = f.geometry;
  const polygons = g.type === "Polygon" ? [g.coordinates] : g.coordinates;
  f.geometry = { type: "MultiPolygon", coordinates: polygons.map((rings) => rings.map((ring) => ring.map(mercator))) };
}

let topo = topology({ provinces: geo }, 1e5);
topo = presimplify(topo);
// Small islands would vanish: the points of rings with few points keep
// an infinite weight, so the simplification leaves them alone.
for (const g of topo.objects.provinces.geometries) {
  for (const ring of g.arcs.flat()) {
    const arcs = ring.map((i) => topo.arcs[i < 0 ? ~i : i]);
    if (arcs.reduce((n, arc) => n + arc.length, 0) < SMALL_RING) {
      for (const arc of arcs) for (const point of arc) point[2] = Infinity;
    }
  }
}
topo = simplify(topo, quantile(topo, KEEP));
const pieces = topo.objects.provinces.geometries;

function dissolve(keyOf) {
  const groups = new Map();
  for (const g of pieces) {
    const k = keyOf(g.properties);
    groups.set(k, [...(groups.get(k) ?? []), g]);
  }
  return [...groups].sort(([a], [b]) => a.localeCompare(b)).map(([code, gs]) => ({ code, geometry: merge(topo, gs) }));
}
const structures = { "vn-2024": dissolve((p) => p.code), "vn-2025": dissolve((p) => p.code2025) };

const all = { type: "FeatureCollection", features: structures["vn-2024"].map((s) => ({ type: "Feature", geometry: s.geometry })) };
const projection = geoIdentity().fitWidth(WIDTH, all);
const path = geoPath(projection).digits(1);
const [[, y0], [, y1]] = path.bounds(all);
const height = Math.ceil(y1 - y0);

// The two archipelagos, too small to see at this scale, are framed by a
// dashed box (the pieces of Đà Nẵng, Hoàng Sa, and of Khánh Hòa, Trường
// Sa, east of 111°E) with their name above it.
function islands(code, text) {
  const points = geo.features
    .filter((f) => f.properties.code === code)
    .flatMap((f) => f.geometry.coordinates)
    .filter((rings) => rings[0].every(([lon]) => lon > 111))
    .flatMap((rings) => rings[0].map((p) => projection(p)));
  if (!points.length) fail(`no islands east of 111°E in province ${code}`);
  const [x0, x1] = [Math.min(...points.map((p) => p[0])) - 8, Math.max(...points.map((p) => p[0])) + 8];
  const [y0, y1] = [Math.min(...points.map((p) => p[1])) - 8, Math.max(...points.map((p) => p[1])) + 8];
  const r = Math.round;
  const right = Math.min(x1, WIDTH - 1);
  // The name is centred above the box, but kept inside the frame.
  const x = Math.min(Math.max((x0 + x1) / 2, 70), WIDTH - 70);
  return { text, x: r(x), y: r(y0 - 6), box: [r(x0), r(y0), r(right - x0), r(y1 - y0)] };
}

const out = {
  source: "geoBoundaries VNM-ADM1-63759600 (simplified), https://www.geoboundaries.org; see README.md",
  width: WIDTH,
  height,
  labels: [islands("48", "Quần đảo Hoàng Sa"), islands("56", "Quần đảo Trường Sa")],
  structures: Object.fromEntries(
    Object.entries(structures).map(([name, units]) => [name, units.map((u) => ({ code: u.code, d: path(u.geometry) }))]),
  ),
};
fs.mkdirSync(OUT, { recursive: true });
fs.writeFileSync(new URL("provinces.json", OUT), JSON.stringify(out) + "\n");
const isoRows = [...isoToGso].sort(([, a], [, b]) => a.localeCompare(b)).map(([iso, code]) => `${iso},${code}`);
fs.writeFileSync(new URL("iso-gso.csv", OUT), ["iso_3166_2,gso_code", ...isoRows].join("\n") + "\n");
console.log(
  `build-map: ${structures["vn-2024"].length} provinces (vn-2024), ${structures["vn-2025"].length} (vn-2025), ` +
    `${WIDTH}x${height}, ${fs.statSync(new URL("provinces.json", OUT)).size} bytes`,
);
