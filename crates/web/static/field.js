// Phủ Xanh on a team member's phone (/field): the door-to-door list kept
// on the phone, entries recorded with one or two taps into a queue that
// survives without network (IndexedDB), and sent when the network is back
// (POST /api/v1/sync). Every entry has its own id, so a batch sent twice
// is recorded once; the server answers each entry, and says when the
// phone's clock is off. No inline script: the page's data is in <main>.
"use strict";

const main = document.querySelector("main.phone");
const UNIT = main.dataset.unit;
const CSRF = main.dataset.csrf;
const USER = main.dataset.user;
const $ = (sel) => document.querySelector(sel);

// ---------- storage ----------
let dbPromise;
function db() {
  dbPromise ??= new Promise((ok, fail) => {
    const r = indexedDB.open("phuxanh-field", 1);
    r.onupgradeneeded = () => {
      const d = r.result;
      d.createObjectStore("queue", { keyPath: "id" });
      d.createObjectStore("kept", { keyPath: "key" });
    };
    r.onsuccess = () => ok(r.result);
    r.onerror = () => fail(r.error);
  });
  return dbPromise;
}
async function store(name, mode, fn) {
  const d = await db();
  return new Promise((ok, fail) => {
    const t = d.transaction(name, mode);
    const s = t.objectStore(name);
    const out = fn(s);
    t.oncomplete = () => ok(out && "result" in out ? out.result : out);
    t.onerror = () => fail(t.error);
  });
}
const queued = () => store("queue", "readonly", (s) => s.getAll());
const enqueue = (entry) => store("queue", "readwrite", (s) => s.put(entry));
const dequeue = (ids) => store("queue", "readwrite", (s) => ids.forEach((id) => s.delete(id)));
const keep = (key, value) => store("kept", "readwrite", (s) => s.put({ key, value }));
const kept = async (key) => (await store("kept", "readonly", (s) => s.get(key)))?.value;

// ---------- the phone's own id, and times as the phone's clock gives them ----------
async function device() {
  let id = await kept("device");
  if (!id) {
    id = "phone-" + crypto.randomUUID();
    await keep("device", id);
  }
  return id;
}
function localTime(d = new Date()) {
  const pad = (n) => String(n).padStart(2, "0");
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? "+" : "-";
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}${sign}${pad(Math.floor(Math.abs(off) / 60))}:${pad(Math.abs(off) % 60)}`;
}

// ---------- the list ----------
let people = [];
async function loadList() {
  const kind = $("#kind").value;
  const key = `list:${USER}:${UNIT}:${kind}`;
  try {
    const r = await fetch(`/api/v1/units/${UNIT}/worklist?kind=${kind}`, { credentials: "same-origin" });
    if (r.status === 401) return signInAgain();
    if (!r.ok) throw new Error(r.status);
    const list = await r.json();
    await keep(key, list);
    show(list, false);
  } catch {
    const list = await kept(key);
    if (list) show(list, true);
    else $("#list-state").textContent = main.dataset.wordsNoList;
  }
}
function show(list, fromPhone) {
  people = [];
  for (const place of list.places) {
    for (const h of place.list) {
      for (const m of h.members) {
        people.push({ ...m, household: h.household || "", address: h.address || "", place: place.name });
      }
    }
  }
  $("#list-state").textContent = `${people.length} ${main.dataset.wordsPeople}${fromPhone ? " · " + main.dataset.wordsOffline : ""}`;
  render();
}
function render() {
  const q = $("#find").value.trim().toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d");
  const ul = $("#people");
  ul.replaceChildren();
  const match = (p) =>
    !q || [p.citizen_id, p.full_name, p.household, p.address].some((t) =>
      (t || "").toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d").includes(q));
  for (const p of people.filter(match).slice(0, 200)) {
    const li = document.createElement("li");
    li.className = "person";
    li.dataset.id = p.citizen_id;
    li.dataset.ref = p.ref;
    const who = document.createElement("button");
    who.type = "button";
    who.className = "who";
    who.textContent = `${p.full_name || "—"} · ${p.citizen_id} · ${p.age}`;
    const where = document.createElement("span");
    where.className = "where";
    where.textContent = [p.household, p.address, p.place].filter(Boolean).join(" · ");
    who.append(document.createElement("br"), where);
    who.addEventListener("click", () => open(p, li));
    li.append(who);
    ul.append(li);
  }
}

// ---------- recording ----------
function open(p, li) {
  document.querySelectorAll(".actions").forEach((a) => a.remove());
  const actions = $("#actions").content.cloneNode(true).firstElementChild;
  actions.querySelectorAll("button[data-kind], button[data-outcome]").forEach((b) =>
    b.addEventListener("click", () => record(p, b, actions)));
  li.append(actions);
}
async function record(p, button, actions) {
  const entry = {
    id: `${await device()}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`,
    // A masked ID cannot name the citizen: the list's reference does.
    ...(p.citizen_id.includes("*") ? { citizen_ref: p.ref } : { citizen_id: p.citizen_id }),
    shown_id: p.citizen_id,
    at: localTime(),
    name: p.full_name,
  };
  if (button.dataset.kind) {
    Object.assign(entry, { type: "event", kind: button.dataset.kind, level: Number(button.dataset.level) });
  } else {
    Object.assign(entry, { type: "visit", outcome: button.dataset.outcome });
  }
  entry.label = button.textContent;
  await enqueue(entry);
  actions.remove();
  await showQueue();
  sync();
}
async function showQueue() {
  const q = await queued();
  $("#pending").textContent = q.length;
  const ul = $("#queue");
  ul.replaceChildren(...q.map((e) => {
    const li = document.createElement("li");
    li.textContent = `${e.label} — ${e.name || e.shown_id} (${e.at.slice(11, 16)})`;
    return li;
  }));
}

// ---------- sending ----------
let syncing = false;
async function sync() {
  if (syncing || !navigator.onLine) return;
  const q = await queued();
  if (!q.length) return;
  syncing = true;
  $("#sync-state").textContent = main.dataset.wordsSending;
  try {
    const batch = q.slice(0, 500);
    const body = {
      device: await device(),
      sent_at: localTime(),
      pending: q.length - batch.length,
      entries: batch.map(({ id, type, citizen_id, citizen_ref, kind, level, outcome, at }) =>
        ({ id, type, citizen_id, citizen_ref, kind, level, outcome, at })),
    };
    const r = await fetch("/api/v1/sync", {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "application/json", "x-csrf-token": CSRF },
      body: JSON.stringify(body),
    });
    if (r.status === 401 || r.status === 403) return signInAgain();
    if (!r.ok) throw new Error(r.status);
    const answer = await r.json();
    await dequeue(answer.results.map((x) => x.id));
    $("#clock-warning").hidden = !answer.clock_off;
    const byId = new Map(batch.map((e) => [e.id, e]));
    const notes = answer.results.filter((x) => !["recorded", "unchanged", "held"].includes(x.status));
    const log = (await kept("answers")) || [];
    for (const n of notes) {
      const e = byId.get(n.id);
      log.unshift({ status: n.status, reason: n.reason || "", label: e?.label || "", name: e?.name || n.id });
    }
    await keep("answers", log.slice(0, 50));
    $("#sync-state").textContent = `${main.dataset.wordsSent} ${new Date().toLocaleTimeString("vi-VN")}`;
  } catch {
    $("#sync-state").textContent = main.dataset.wordsWaiting;
  } finally {
    syncing = false;
    await showQueue();
    await showAnswers();
  }
}
async function showAnswers() {
  const log = (await kept("answers")) || [];
  $("#answers").replaceChildren(...log.map((a) => {
    const li = document.createElement("li");
    li.className = a.status;
    li.textContent = `${main.dataset["status" + a.status[0].toUpperCase() + a.status.slice(1)] || a.status}: ${a.label} — ${a.name}${a.reason ? " (" + a.reason + ")" : ""}`;
    return li;
  }));
}
function signInAgain() {
  $("#sign-in").hidden = false;
  syncing = false;
}

// ---------- start ----------
$("#kind").addEventListener("change", loadList);
$("#find").addEventListener("input", render);
$("#sync-now").addEventListener("click", sync);
window.addEventListener("online", () => { $("#net").textContent = main.dataset.wordsOnline; sync(); });
window.addEventListener("offline", () => { $("#net").textContent = main.dataset.wordsOffline; });
$("#net").textContent = navigator.onLine ? main.dataset.wordsOnline : main.dataset.wordsOffline;
setInterval(sync, 30000);
if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/field-sw.js", { scope: "/field" }).catch(() => {});
}
showQueue().then(showAnswers).then(loadList).then(sync);
