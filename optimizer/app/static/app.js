// The workbench page: plain JavaScript, no build step, no library, nothing fetched but this
// server's own endpoints. Every text from the data goes in with textContent (never as HTML).
"use strict";

const $ = (id) => document.getElementById(id);
let state = null;      // the server's /api/state
let front = [];        // the points of the front
let shown = null;      // the plan shown: {plan} or {point}
let polling = null;
let loaded = null;     // the source of the instance the controls were set for
// the words this script writes, in the page's language (the server renders them, from its
// catalog, into the page: docs/workbench.md, Language)
const WORDS = JSON.parse($("words").textContent);

function t(key, values) {
  // the words of ``key`` with its {placeholders} filled in
  const text = WORDS[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (m, name) => values && name in values ? String(values[name]) : m);
}

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v; else if (k.startsWith("data-")) e.setAttribute(k, v);
    else e[k] = v;
  }
  for (const c of children) e.append(c instanceof Node ? c : String(c ?? ""));
  return e;
}

function fmt(v, digits = 6) {
  if (v === null || v === undefined) return "";
  if (typeof v !== "number") return String(v);
  return Number(v.toPrecision(digits)).toString();
}

function showError(message, diagnosis) {
  const box = $("error");
  box.hidden = !message;
  box.textContent = message ? t("error: ") + message : "";
  $("diagnosis").hidden = !diagnosis;
  $("diagnosis").textContent = diagnosis || "";
}

async function api(path, body) {
  const opts = body === undefined ? {} : {
    method: "POST", headers: {"Content-Type": "application/json", "X-Regcollab": "1"},
    body: JSON.stringify(body)};
  const resp = await fetch(path, opts);
  const data = await resp.json();
  if (!resp.ok) { showError(data.error || resp.statusText); throw new Error(data.error); }
  return data;
}

async function act(path, body) {
  showError("");
  try { render(await api(path, body)); } catch (e) { /* shown by api */ }
}

// ------------------------------------------------------------------------- state
function render(s) {
  state = s;
  const inst = s.instance;
  fill("bundled", s.bundled.map((n) => [n, n]));
  $("instance-name").textContent = inst ? inst.name : t("no instance loaded");
  $("instance-summary").textContent = inst ? t("instance summary", {
    partners: inst.counts.partners, recipients: inst.counts.recipients,
    resources: inst.resources.join(t(", ")), pairs: inst.candidate_pairs,
    types: inst.types.map((x) => inst.type_names[x]).join(t(", "))}) : "";
  $("warnings").replaceChildren(...(inst ? inst.warnings : []).map((w) => el("li", {}, t("warning: ") + w)));
  $("data").replaceChildren(...(inst ? [table(inst.partners), table(inst.recipients)] : []));
  if (inst) {
    fill("partner", inst.partner_names);
    fill("recipient", inst.recipient_names);
    fill("pair-type", inst.types.map((x) => [x, inst.type_names[x]]));
    fill("setting", Object.keys(inst.settings).map((k) => [k, t("now", {setting: k,
      value: inst.settings[k] ?? t("off")})]));
    $("solve-official").hidden = !inst.official;
    if (loaded !== inst.source) {  // a new instance: the slider starts at its own lambda
      if (loaded !== null) clearPlan();  // and the last one's plan is no longer shown
      loaded = inst.source;
      if (s.bundled.includes(inst.name)) $("bundled").value = inst.name;
      if (inst.weight !== null && inst.weight !== undefined) $("weight").value = inst.weight;
      $("weight-value").textContent = $("weight").value;
    }
  }
  $("edits").replaceChildren(...s.edits.map((label, i) => el("li", {},
    label, button(t("Undo"), () => act("/api/undo", {index: i}), "undo-" + i))));
  $("front-stale").hidden = !s.front_stale;
  if (!s.front && front.length) front = [];
  drawFront();  // (the session's plans are marked on it)
  fill("plan-list", [["", t("plans", {n: s.plans.length})], ...s.plans.map((p) =>
    [p.id, t("plan choice", {label: p.label, efficiency: fmt(p.efficiency), equity: fmt(p.equity)})])]);
  renderJob(s.job);
  renderExports();
  renderCompare();
}

function fill(id, pairs) {
  // rebuilt only when its choices change (a list open in the planner's hand stays open)
  const sel = $(id), keep = sel.value;
  const same = sel.options.length === pairs.length &&
    pairs.every(([v, t], i) => sel.options[i].value === v && sel.options[i].text === t);
  if (same) return;
  sel.replaceChildren(...pairs.map(([v, t]) => el("option", {value: v}, t)));
  if (pairs.some(([v]) => v === keep)) sel.value = keep;
}

function button(text, onclick, id) {
  const b = el("button", {type: "button"}, text);
  if (id) b.id = id;
  b.addEventListener("click", onclick);
  return b;
}

function table(t) {
  return el("table", {}, el("tr", {}, ...t.columns.map((c) => el("th", {}, c))),
    ...t.rows.map((r) => el("tr", {}, ...r.map((v) => el("td", {}, v)))));
}

// ------------------------------------------------------------------------- jobs
function renderJob(job) {
  const running = job && job.status === "running";
  $("cancel").disabled = !running;
  $("progress").hidden = !running;
  if (!job) { $("status").textContent = t("idle"); return; }
  $("status").textContent = `${job.label}${t(": ")}${t(job.status)}` +
    (running ? ` (${job.progress}, ${job.seconds} s)` : "");
  if (running && job.total) { $("progress").max = job.total; $("progress").value = job.done; }
  else if (running) $("progress").removeAttribute("value");
  if (running && !polling) polling = setInterval(poll, 300);
}

async function poll() {
  let data;
  try { data = await api("/api/job"); } catch (e) { stopPolling(); return; }
  const job = data.job;
  renderJob(job);
  if (!job || job.status === "running") return;
  stopPolling();
  if (job.status === "failed") showError(job.message, job.diagnosis);
  render(await api("/api/state"));
  if (job.status !== "done") return;
  if (job.kind === "pareto") await loadFront();
  if (job.plan) await showPlan(job.plan);
}

function stopPolling() { clearInterval(polling); polling = null; }

// ------------------------------------------------------------------------- the front
async function loadFront() {
  front = (await api("/api/front")).points;
  drawFront();
}

function drawFront() {
  const svg = $("front"), W = 560, H = 320, pad = 48;
  svg.replaceChildren();
  if (!front.length) { $("ref-e").placeholder = $("ref-q").placeholder = ""; return; }
  const E = front.map((p) => p.efficiency), Q = front.map((p) => p.equity);
  const span = (a) => [Math.min(...a), Math.max(...a) > Math.min(...a) ? Math.max(...a) : Math.min(...a) + 1];
  const [e0, e1] = span(E), [q0, q1] = span(Q);
  // what the reference point may aim at: between the front's ends
  $("ref-e").placeholder = t("range", {low: fmt(Math.min(...E), 4), high: fmt(Math.max(...E), 4)});
  $("ref-q").placeholder = t("range", {low: fmt(Math.min(...Q), 4), high: fmt(Math.max(...Q), 4)});
  const x = (e) => pad + (W - 2 * pad) * (e - e0) / (e1 - e0);
  const y = (q) => H - pad - (H - 2 * pad) * (q - q0) / (q1 - q0);
  const ns = "http://www.w3.org/2000/svg";
  const add = (tag, attrs, text) => {
    const e = document.createElementNS(ns, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    svg.append(e); return e;
  };
  add("line", {x1: pad, y1: H - pad, x2: W - pad, y2: H - pad, stroke: "#999"});
  add("line", {x1: pad, y1: pad, x2: pad, y2: H - pad, stroke: "#999"});
  add("text", {x: W / 2, y: H - 12, "text-anchor": "middle"}, t("efficiency"));
  add("text", {x: 12, y: pad - 14}, t("equity"));
  add("text", {x: pad, y: H - pad + 16, "text-anchor": "middle"}, fmt(e0, 4));
  add("text", {x: W - pad, y: H - pad + 16, "text-anchor": "middle"}, fmt(e1, 4));
  add("text", {x: pad - 4, y: H - pad, "text-anchor": "end"}, fmt(q0, 4));
  add("text", {x: pad - 4, y: pad, "text-anchor": "end"}, fmt(q1, 4));
  add("polyline", {points: front.map((p) => `${x(p.efficiency)},${y(p.equity)}`).join(" "),
                   fill: "none", stroke: "#9bb7cf"});
  front.forEach((p, i) => {
    const c = add("circle", {cx: x(p.efficiency), cy: y(p.equity), r: 7, id: "point-" + i,
      class: "point" + (p.knee ? " knee" : "") + (shown && shown.point === i ? " selected" : "")});
    c.append(document.createElementNS(ns, "title"));
    c.firstChild.textContent = t("point", {n: i + 1, efficiency: fmt(p.efficiency), equity: fmt(p.equity)});
    c.addEventListener("click", () => showPoint(i));
    c.setAttribute("tabindex", "0");  // and from the keyboard
    c.addEventListener("keydown", (ev) => { if (ev.key === "Enter" || ev.key === " ") showPoint(i); });
  });
  // the session's plans where they fall (the one shown larger); a click shows one again
  const inside = (p) => p.efficiency !== null && p.equity !== null &&
    p.efficiency >= e0 - 1e-9 && p.efficiency <= e1 + 1e-9 && p.equity >= q0 - 1e-9 && p.equity <= q1 + 1e-9;
  const current = shown && shown.plan ? shown.plan.id : null;
  for (const p of (state ? state.plans : []).filter(inside)) {
    const r = p.id === current ? 9 : 5;
    const mark = add("rect", {x: x(p.efficiency) - r, y: y(p.equity) - r, width: 2 * r,
                              height: 2 * r, class: "plan-mark" + (p.id === current ? " shown" : "")});
    mark.append(document.createElementNS(ns, "title"));
    mark.firstChild.textContent = t("plan choice", {label: p.label, efficiency: fmt(p.efficiency), equity: fmt(p.equity)});
    mark.addEventListener("click", () => showPlan(p.id));
  }
}

function showPoint(i) {
  const p = front[i];
  shown = {point: i, view: {...p, label: t("front point", {n: i + 1})}};
  renderPlan(shown.view, false);
  drawFront();
}

// ------------------------------------------------------------------------- a plan
async function showPlan(pid) {
  const plan = await api("/api/plan/" + pid);
  shown = {plan};
  $("plan-list").value = pid;
  renderPlan(plan, true);
  drawFront();
}

function clearPlan() {
  shown = null;
  $("plan-label").textContent = "";
  for (const id of ["plan-efficiency", "plan-equity", "plan-pof", "plan-loss"]) setNumber(id, null);
  $("plan-types").textContent = "";
  $("plan-table").replaceChildren();
  $("charts").replaceChildren();
  $("keep").disabled = $("export").disabled = true;
}

function setNumber(id, v, digits) {
  const e = $(id);
  e.textContent = fmt(v, digits);
  e.dataset.value = v === null || v === undefined ? "" : String(v);
}

function renderPlan(p, solved) {
  $("plan-label").textContent = p.label + (p.method ? ` (${p.method})` : "");
  setNumber("plan-efficiency", p.efficiency);
  setNumber("plan-equity", p.equity);
  setNumber("plan-pof", p.price_of_fairness, 4);
  setNumber("plan-loss", p.efficiency_loss, 4);
  const names = state && state.instance ? state.instance.type_names : {};
  $("plan-types").textContent = Object.entries(p.types || {}).map(([x, n]) => `${names[x] ?? x} ${n}`).join(t(", ")) +
    (p.violations ? t("; ") + t("rules broken", {n: p.violations}) : "");
  $("keep").disabled = false;
  $("export").disabled = !solved;
  const res = state && state.instance ? state.instance.resources : [];
  const cols = ["partner_name", "recipient_name", "type", ...res, "gain"];
  $("plan-table").replaceChildren(
    el("tr", {}, ...[t("partner"), t("recipient"), t("type"), ...res, t("gain")].map((c) => el("th", {}, c))),
    ...p.pairings.map((r) => el("tr", {"data-pair": `${r.partner}-${r.recipient}`},
      ...cols.map((c) => typeCell(el("td", typeof r[c] === "number" ? {class: "num"} : {},
        fmt(c === "type" ? names[r[c]] ?? r[c] : r[c], 4)), c === "type" ? r[c] : null)))));
  const key = solved ? p.id : "front-" + shown.point;
  $("charts").replaceChildren(...["pairings", "outcomes"].map((name) =>
    el("img", {src: `/api/chart/${key}/${name}.png`, alt: t(name + " chart")})));
}

function typeCell(td, type) {
  // a type in the report's colour (a bar beside it, so that the text stays readable)
  const colour = type && state && state.instance ? state.instance.colours[type] : null;
  if (colour) td.style.borderLeft = `6px solid ${colour}`;
  return td;
}

// ------------------------------------------------------------------------- compare, exports
async function renderCompare() {
  const box = $("compare");
  if (!state || !state.compare.length) { box.replaceChildren(t("Keep plans to compare them here (up to four).")); return; }
  const c = await api("/api/compare");
  const head = el("tr", {}, el("th", {}, ""), ...c.plans.map((p) => el("th", {}, p.label,
    button(t("drop"), () => act("/api/drop", {plan: p.id})))));
  const cell = (v, differs, extra) => el("td", {class: [typeof v === "number" ? "num" : "",
    differs ? "differs" : "", extra || ""].join(" ").trim()}, fmt(v, 6));
  const numbers = el("table", {id: "compare-numbers"}, head,
    ...c.numbers.map((r) => el("tr", {}, el("th", {}, r.name),
      ...r.values.map((v, i) => cell(v, r.differs[i])))));
  const pairs = el("table", {id: "compare-pairs"},
    el("tr", {}, el("th", {}, t("pairing")), ...c.plans.map((p) => el("th", {}, p.label))),
    ...c.pairs.map((r) => el("tr", {}, el("td", {}, r.names),
      ...r.values.map((v, i) => typeCell(cell(v === null ? "-" : v, r.differs[i]), v)))));
  const recs = el("table", {id: "compare-recipients"},
    el("tr", {}, el("th", {}, t("recipient (outcome / target)")), el("th", {}, t("before")),
       ...c.plans.map((p) => el("th", {}, p.label))),
    ...c.recipients.map((r) => el("tr", {}, el("td", {}, r.name), cell(r.u_before),
      ...r.values.map((v, i) => cell(v, r.differs[i],
        r.gains[i] ? "gains" : r.loses[i] ? "loses" : "")))));
  box.replaceChildren(numbers, el("h3", {}, t("Pairings and types")), pairs,
                      el("h3", {}, t("Recipients (green gains, red loses against the first plan)")), recs);
}

async function renderExports() {
  if (!state || !state.exports.length) { $("exports").replaceChildren(); return; }
  const ex = (await api("/api/exports")).exports;
  $("exports").replaceChildren(...Object.entries(ex).map(([name, e]) => el("li", {},
    `${name} (${e.folder}): `, ...e.files.map((f) =>
      el("a", {href: `/files/${name}/${f}`, target: "_blank", className: "export-link"}, f + " ")))));
}

// ------------------------------------------------------------------------- wiring
function solveWeight() {
  act("/api/solve", {method: "weighted", weight: $("weight").value});
}

function wire() {
  $("load-bundled").onclick = () => act("/api/load", {name: $("bundled").value});
  $("load-path").onclick = () => act("/api/load", {path: $("path").value});
  $("upload-go").onclick = async () => {
    showError("");
    const f = $("upload").files[0];
    const form = new FormData();
    if (f) form.append("file", f);
    const resp = await fetch("/api/upload", {method: "POST", body: form,
                                             headers: {"X-Regcollab": "1"}});
    const data = await resp.json();
    if (!resp.ok) showError(data.error); else render(data);
  };
  $("plan-list").onchange = () => { if ($("plan-list").value) showPlan($("plan-list").value); };
  $("compute-front").onclick = () => act("/api/pareto", {points: $("points").value});
  $("weight").oninput = () => { $("weight-value").textContent = $("weight").value; };
  $("weight").onchange = solveWeight;
  $("solve-weight").onclick = solveWeight;
  $("solve-reference").onclick = () => act("/api/solve", {method: "reference",
    reference: [$("ref-e").value, $("ref-q").value]});
  $("solve-official").onclick = () => act("/api/official", {});
  $("cancel").onclick = () => act("/api/cancel", {});
  const pair = (kind) => () => act("/api/edit", {kind, partner: $("partner").value,
                                                 recipient: $("recipient").value});
  $("forbid").onclick = pair("forbid");
  $("fix").onclick = pair("fix");
  const pairType = (kind) => () => act("/api/edit", {kind, partner: $("partner").value,
    recipient: $("recipient").value, type: $("pair-type").value});
  $("force-type").onclick = pairType("force_type");
  $("forbid-type").onclick = pairType("forbid_type");
  $("lock").onclick = () => act("/api/edit", {kind: "lock", recipient: $("recipient").value,
    plan: shown && shown.plan ? shown.plan.id : ""});
  $("set").onclick = () => act("/api/edit", {kind: "setting", name: $("setting").value,
                                              value: $("setting-value").value});
  $("resolve").onclick = solveWeight;
  $("keep").onclick = () => act("/api/keep", shown.plan ? {plan: shown.plan.id} : {point: shown.point});
  $("export").onclick = () => act("/api/export", {plan: shown.plan.id});
}

wire();
for (const lang of ["zh", "en"]) {  // the language switch: the session keeps it
  $("lang-" + lang).onclick = async () => {
    try { await api("/api/lang", {lang}); location.reload(); } catch (e) { /* shown by api */ }
  };
}
api("/api/state").then(render).then(async () => { if (state.front) await loadFront(); });
