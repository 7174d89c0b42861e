// The dashboard page: fetches the run's state, draws the graph and the
// issues, and re-fetches whenever the server says the checkpoint changed.
"use strict";

const token = new URLSearchParams(location.search).get("token") || "";
const q = (path) => path + (path.includes("?") ? "&" : "?") + "token=" + encodeURIComponent(token);
const SVG = "http://www.w3.org/2000/svg";
const openDetails = new Set();
// What the endpoint said to each question's last answer, kept across re-renders.
const answered = new Map();
let fetching = false;
let again = false;
let renders = 0;

function esc(s) {
  return String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

function money(usd) {
  return "$" + (usd || 0).toFixed(2);
}

function duration(s) {
  if (s == null) return "";
  if (s < 60) return s + "s";
  const m = Math.floor(s / 60);
  if (m < 60) return m + "m " + String(s % 60).padStart(2, "0") + "s";
  return Math.floor(m / 60) + "h " + String(m % 60).padStart(2, "0") + "m";
}

function clock(at) {
  return at ? new Date(at).toLocaleTimeString() : "";
}

async function refresh() {
  if (fetching) { again = true; return; }
  fetching = true;
  try {
    const res = await fetch(q("/api/state"), { cache: "no-store" });
    if (res.ok) render(await res.json());
  } finally {
    fetching = false;
    if (again) { again = false; refresh(); }
  }
}

function render(state) {
  const run = state.run;
  document.getElementById("title").textContent = run ? `${run.target} · ${run.status}` : "auto-milestone";
  const message = document.getElementById("message");
  message.hidden = !state.message;
  message.textContent = state.message || "";
  renderTotals(run);
  renderQuestions(state.questions || [], state.answers);
  renderGraph(state.issues || []);
  renderIssues(state.issues || []);
  renders += 1;
  document.body.dataset.renders = String(renders);
}

function renderTotals(run) {
  const el = document.getElementById("totals");
  if (!run) { el.innerHTML = ""; return; }
  const c = run.counts;
  const budget = run.budget_usd != null ? ` of ${money(run.budget_usd)}` : "";
  el.innerHTML = `<span>${esc(run.repo)}</span><span>run ${run.id}</span>` +
    `<span>cost <b id="cost">${money(run.cost_usd)}</b>${budget}</span>` +
    `<span><b id="merged-count">${c.merged}</b>/${c.issues} merged</span>` +
    `<span><b id="failed-count">${c.failed}</b> failed</span>` +
    `<span>${c.active} active</span><span>${c.pending} pending</span>`;
}

function layout(issues) {
  const waves = [...new Set(issues.map((i) => i.wave))].sort((a, b) => a - b);
  const pos = new Map();
  const W = 180, H = 56, GX = 70, GY = 18, TOP = 28;
  let rows = 0;
  waves.forEach((wave, col) => {
    issues.filter((i) => i.wave === wave).forEach((issue, row) => {
      pos.set(issue.number, { x: 10 + col * (W + GX), y: TOP + row * (H + GY), w: W, h: H });
      rows = Math.max(rows, row + 1);
    });
  });
  return { waves, pos, width: 20 + waves.length * (W + GX) - GX, height: TOP + rows * (H + GY) + 10, W, GX };
}

function svg(tag, attrs, parent) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  if (parent) parent.appendChild(el);
  return el;
}

function renderGraph(issues) {
  const box = document.getElementById("graph");
  box.textContent = "";
  if (!issues.length) return;
  const L = layout(issues);
  const root = svg("svg", { id: "graph-svg", width: Math.max(L.width, 200), height: L.height, viewBox: `0 0 ${Math.max(L.width, 200)} ${L.height}` }, box);
  const defs = svg("defs", {}, root);
  const marker = svg("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto" }, defs);
  svg("path", { d: "M0,0 L10,5 L0,10 z", fill: "#656d76" }, marker);
  L.waves.forEach((wave, col) => {
    const label = svg("text", { class: "wave-label", x: 10 + col * (L.W + L.GX), y: 16 }, root);
    label.textContent = `wave ${wave}`;
  });
  for (const issue of issues) {
    const to = L.pos.get(issue.number);
    for (const b of issue.blocked_by) {
      const from = L.pos.get(b);
      if (!from) continue;
      const x1 = from.x + from.w, y1 = from.y + from.h / 2, x2 = to.x, y2 = to.y + to.h / 2;
      const mid = (x1 + x2) / 2;
      svg("path", { class: "edge", "data-from": b, "data-to": issue.number, d: `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`, "marker-end": "url(#arrow)" }, root);
    }
  }
  for (const issue of issues) {
    const p = L.pos.get(issue.number);
    const g = svg("g", { class: `node ${issue.look}`, "data-issue": issue.number, "data-state": issue.state }, root);
    svg("rect", { x: p.x, y: p.y, width: p.w, height: p.h, rx: 8 }, g);
    const head = svg("text", { x: p.x + 10, y: p.y + 22 }, g);
    head.textContent = `#${issue.number} · ${issue.state.replaceAll("_", " ")}`;
    const title = svg("text", { class: "title", x: p.x + 10, y: p.y + 42 }, g);
    title.textContent = issue.title.length > 26 ? issue.title.slice(0, 25) + "…" : issue.title;
    const tip = svg("title", {}, g);
    tip.textContent = `#${issue.number} ${issue.title}`;
    g.addEventListener("click", () => {
      openDetails.add(String(issue.number));
      const card = document.getElementById(`issue-${issue.number}`);
      if (card) { card.querySelectorAll("details").forEach((d) => (d.open = true)); card.scrollIntoView({ behavior: "smooth" }); }
    });
  }
}

function timelineHtml(phases) {
  if (!phases.length) return "";
  const rows = phases.map((p) => `<tr><td>${esc(clock(p.at))}</td>` +
    `<td><span class="phase ${esc(p.kind)}">${esc(p.label)}</span></td>` +
    `<td>${esc(duration(p.duration_s))}${p.ongoing ? " …" : ""}</td>` +
    `<td>${p.cost_usd ? money(p.cost_usd) : ""}</td>` +
    `<td class="meta">${esc(p.notes.join("; "))}</td></tr>`).join("");
  return `<table class="timeline">${rows}</table>`;
}

function logsHtml(issue) {
  return (issue.logs || []).map((log) => {
    const key = `log-${issue.number}-${log.path}`;
    const open = openDetails.has(key) ? " open" : "";
    return `<details data-key="${esc(key)}"${open}><summary>${esc(log.path)} (last ${log.lines.length} lines)</summary>` +
      `<pre class="log">${esc(log.lines.join("\n"))}</pre></details>`;
  }).join("");
}

function renderIssues(issues) {
  const box = document.getElementById("issues");
  box.innerHTML = issues.map((i) => {
    const pr = i.pr ? `<a href="${esc(i.pr_url)}" target="_blank" rel="noreferrer noopener">PR #${i.pr}</a>` : "no PR yet";
    const why = i.last_error ? `<div class="error">${esc(i.last_error)}</div>` :
      i.skip_reason ? `<div class="meta">skipped: ${esc(i.skip_reason)}</div>` : "";
    const blockers = i.blocked_by.length ? `<span>after ${i.blocked_by.map((b) => "#" + b).join(", ")}</span>` : "";
    return `<div class="issue ${esc(i.look)}" id="issue-${i.number}">` +
      `<h3>#${i.number} ${esc(i.title)} <span class="meta">· ${esc(i.state.replaceAll("_", " "))}</span></h3>` +
      `<div class="meta"><span>wave ${i.wave}</span>${blockers}<span>${pr}</span>` +
      `<span>cost ${money(i.cost_usd)}</span><span>workers ${i.attempts}</span>` +
      `<span>CI fixes ${i.ci_fix_attempts}</span><span>review rounds ${i.review_rounds}</span>` +
      (i.worker_pid ? `<span>worker pid ${i.worker_pid}</span>` : "") + `</div>` +
      why + timelineHtml(i.timeline) + logsHtml(i) + `</div>`;
  }).join("");
  box.querySelectorAll("details[data-key]").forEach((d) => d.addEventListener("toggle", () => {
    if (d.open) openDetails.add(d.dataset.key); else openDetails.delete(d.dataset.key);
  }));
}

function renderQuestions(questions, answers) {
  const section = document.getElementById("questions-section");
  const box = document.getElementById("questions");
  section.hidden = !questions.length;
  box.innerHTML = questions.map((x) => {
    const pr = x.pr ? `<a href="${esc(x.pr_url)}" target="_blank" rel="noreferrer noopener">PR #${x.pr}</a>` : "";
    const head = x.head_sha ? `head <code>${esc(x.head_sha.slice(0, 10))}</code>` : "";
    const about = x.issue ? `#${x.issue}` : x.kind;
    return `<div class="question-card" data-question="${esc(x.id)}" data-head="${esc(x.head_sha || "")}">` +
      `<div class="meta"><span>${esc(about)}</span><span>${pr}</span><span>${head}</span><span>asked ${esc(clock(x.asked_at))}</span></div>` +
      `<pre>${esc(x.text)}</pre>` +
      `<button data-answer="merge">Merge</button><button data-answer="skip">Skip</button>` +
      `<button data-answer="changes">Changes…</button>` +
      resultHtml(x.id, answers) + `</div>`;
  }).join("");
  box.querySelectorAll("button[data-answer]").forEach((b) => b.addEventListener("click", () => answer(b)));
}

function resultHtml(id, answers) {
  const said = answered.get(id);
  if (said) return `<span class="answer-result${said.refused ? " refused" : ""}">${esc(said.text)}</span>`;
  return `<span class="answer-result">${answers ? "" : "read-only page"}</span>`;
}

async function answer(button) {
  const card = button.closest(".question-card");
  const result = card.querySelector(".answer-result");
  let text = button.dataset.answer;
  if (text === "changes") {
    const feedback = prompt("What should change?");
    if (!feedback) return;
    text = "changes: " + feedback;
  }
  result.className = "answer-result";
  result.textContent = "sending…";
  const res = await fetch(q("/api/answer"), {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: "Bearer " + token },
    body: JSON.stringify({ question: card.dataset.question, head: card.dataset.head, answer: text }),
  });
  const body = await res.text();
  answered.set(card.dataset.question, { text: body, refused: !res.ok });
  result.className = res.ok ? "answer-result" : "answer-result refused";
  result.textContent = body;
}

function listen() {
  const live = document.getElementById("live");
  const source = new EventSource(q("/events"));
  source.addEventListener("update", () => refresh());
  source.onopen = () => { live.className = "live on"; live.textContent = "live"; };
  source.onerror = () => { live.className = "live off"; live.textContent = "reconnecting"; };
}

refresh();
listen();
