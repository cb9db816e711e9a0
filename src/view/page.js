'use strict';
// The address's hash holds the view, so a link shows the same picture:
//   nodes=NAME,NAME   the lanes shown (names, or ids)      tasks=ID,ID   the task rows shown
//   axis=time|steps   the x axis: virtual time, or step order (the events' positions in the run)
//   from=X&to=Y       the x range shown, in the current axis's units: virtual nanoseconds with
//                     axis=time, steps (an event at step s fills [s, s+1)) with axis=steps
// Without axis= the page picks steps when the run's events span fewer than 8 distinct virtual
// times (a bug within one instant collapses onto one x position in time), else time.
(function () {
document.currentScript.remove(); // keep the dumped DOM free of this source text
const D = JSON.parse(document.getElementById('data').textContent);
const EV = D.events || [], BD = D.bands || [];
// messages and choices come as rows; events as [t, kind, task, node, text(, step when sampled)]
const MS = (D.messages || []).map(r => Array.isArray(r) ? { id: r[0], from: r[1], to: r[2], t0: r[3], t1: r[4], sent: r[5],
  recv: r[6], fate: r[7], proto: r[8], len: r[9], dup: !!r[10], label: r[11] } : r);
const CH = (D.choices || []).map(r => Array.isArray(r) ? { event: r[0], t: r[1], task: r[2], node: r[3], kind: r[4],
  value: r[5], of: r[6], tape: r[7] } : r);
const NODES = D.nodes || [], TASKS = D.tasks || [], FL = D.failure || null, PN = D.panel || null;
// A sampled run's rows carry their step (the event's index in the run); the
// data's references to steps become positions in EV (the next kept event).
const stepOf = i => EV[i] && EV[i].length > 5 ? EV[i][5] : i;
if (D.sampled) {
  const at = step => { let lo = 0, hi = EV.length; while (lo < hi) { const mid = (lo + hi) >> 1; if (stepOf(mid) < step) lo = mid + 1; else hi = mid; } return lo; };
  const exact = step => { if (step == null) return null; const p = at(step); return p < EV.length && stepOf(p) === step ? p : null; };
  for (const m of MS) { m.step0 = m.sent; m.step1 = m.recv; m.sent = exact(m.sent); m.recv = exact(m.recv); }
  for (const c of CH) { c.step = c.event; c.event = at(c.event); }
  if (FL && FL.event != null) { FL.step = FL.event; FL.event = exact(FL.event); }
}
const msgById = new Map(MS.map(m => [m.id, m]));
const LW = 180, RP = 14, AGG = 20000, MAXA = 5000, MINSPAN = 100, LABELS = 400;
const RH = { world: 20, node: 20, task: 16 }; // grown in layout() when few rows fit the window
// kinds in priority order (low to high): a density tick takes the colour of its highest kind
const KINDS = [['poll', '#94a3b8'], ['advance', '#a8a29e'], ['yield', '#7c3aed'], ['packet', '#2563eb'],
  ['control', '#0891b2'], ['disk', '#a16207'], ['spawn', '#16a34a'], ['finish', '#0f766e'], ['process', '#475569'],
  ['cancel', '#ea580c'], ['node', '#92400e'], ['fault', '#be185d'], ['panic', '#dc2626']];
const KPRIO = new Map(KINDS.map((k, i) => [k[0], i + 1]));
const TALL = new Set(['panic', 'fault', 'node', 'cancel', 'process']), NOTABLE = KPRIO.get('process');
const FATES = [['delivered udp', 'udp', '#2563eb'], ['delivered tcp', 'tcp', '#0d9488'], ['control seg', 'ctl', '#94a3b8'],
  ['dropped', 'f-dropped', '#dc2626'], ['lost', 'f-lost', '#f97316'], ['held', 'f-held', '#9333ea'], ['stalled', 'f-stalled', '#a16207']];
const BANDS = [['partition', '#dc2626'], ['clog', '#ea580c'], ['hold', '#9333ea'], ['killed', '#334155'], ['paused', '#2563eb']], BCOL = new Map(BANDS);
{ let css = '.ev-other{--c:#64748b}'; for (const [k, c] of KINDS) css += `.ev-${k}{--c:${c}}`;
  const st = document.createElement('style'); st.textContent = css; document.head.appendChild(st); }
const kcls = k => KPRIO.has(k) ? k : 'other';

// ---------- helpers ----------
const $ = id => document.getElementById(id);
const ESC = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const esc = s => String(s == null ? '' : s).replace(/[&<>"']/g, c => ESC[c]);
const fmtN = n => Number(n).toLocaleString('en-US');
const fmtS = t => t == null ? '—' : (t / 1e9).toFixed(6) + 's';
const f1 = v => Math.round(v * 10) / 10;
const nodeById = new Map(), taskById = new Map(), tasksOfNode = new Map();
NODES.forEach((n, i) => nodeById.set(n.id, { id: n.id, name: String(n.name), idx: i }));
for (const t of TASKS) {
  const o = { id: t[0], node: t[1], name: t[2], parent: t[3], site: t[4] };
  taskById.set(o.id, o);
  if (!tasksOfNode.has(o.node)) tasksOfNode.set(o.node, []);
  tasksOfNode.get(o.node).push(o);
}
const nodeName = id => nodeById.has(id) ? nodeById.get(id).name : (id == null || id < 0 ? '—' : 'node ' + id);
const taskStr = id => {
  if (id == null || id < 0) return '—';
  const t = taskById.get(id);
  return t && t.name != null ? `${id} '${t.name}'` : String(id);
};
let END = Math.max(1, +D.end || 0), sorted = true;
for (let i = 0; i < EV.length; i++) {
  const t = EV[i][0];
  if (t > END) END = t;
  if (i && t < EV[i - 1][0]) sorted = false;
}
for (const m of MS) END = Math.max(END, m.t0 || 0, m.t1 || 0);
const NEV = EV.length;
// first index i in the ascending array a with a[i] >= v (or > v when upper)
const lowerIn = (a, v, upper) => {
  let lo = 0, hi = a.length;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (a[mid] < v || (upper && a[mid] === v)) lo = mid + 1; else hi = mid; }
  return lo;
};

// ---------- the two x axes ----------
// 'time': x is virtual time (ns), 0..END. 'steps': x is step order, 0..NSTEP; the event at step s
// (stepOf) sits in the middle of its slot [s, s+1), so events at one instant spread out in order.
// On the step axis whatever has its own event is drawn there (messages at their send and
// delivery events, choices before their event, the failure at its event); whatever has only a
// time (bands, calls, a message's drop) at the first event at or after that time.
const TMAX = new Float64Array(NEV); // running maximum of the times: ascending even if the events are not
for (let i = 0, m = 0; i < NEV; i++) { if (EV[i][0] > m) m = EV[i][0]; TMAX[i] = m; }
const NSTEP = Math.max(1, NEV ? stepOf(NEV - 1) + 1 : 0, D.sampled ? +D.sampled.of || 0 : 0);
const idxAt = (t, upper) => lowerIn(TMAX, t, upper); // first event at or after t (after t when upper)
const stepB = i => i < NEV ? stepOf(i) : NSTEP; // the step slot's left edge of event i (NSTEP: the end)
const idxOfStep = s => { // first event at step >= s
  if (!D.sampled) return Math.max(0, Math.min(NEV, Math.ceil(s)));
  let lo = 0, hi = NEV;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (stepOf(mid) < s) lo = mid + 1; else hi = mid; }
  return lo;
};
const timeAtStep = s => { const i = idxOfStep(s); return i < NEV ? EV[i][0] : NEV ? EV[NEV - 1][0] : 0; };
const NTIMES = (() => { const seen = new Set(); for (const e of EV) { seen.add(e[0]); if (seen.size >= 8) break; } return seen.size; })(); // up to 8
const DEFAULT_AXIS = NTIMES < 8 ? 'steps' : 'time';
const AXC = {};
function axisData(mode) { // positions of everything on one axis, computed once per axis
  if (AXC[mode]) return AXC[mode];
  const nm = MS.length, nb = BD.length, nc = CH.length, calls = PN ? PN.calls : [], nk = calls.length;
  const A = { mode, pos: new Float64Array(NEV), mp0: new Float64Array(nm), mp1: new Float64Array(nm), bp0: new Float64Array(nb),
    bp1: new Float64Array(nb), cp: new Float64Array(nc), kp0: new Float64Array(nk), kp1: new Float64Array(nk), fp: 0 };
  if (mode === 'time') {
    Object.assign(A, { end: END, ord: sorted, minspan: MINSPAN });
    for (let i = 0; i < NEV; i++) A.pos[i] = EV[i][0];
    MS.forEach((m, j) => { A.mp0[j] = m.t0; A.mp1[j] = m.t1 == null ? END : m.t1; });
    BD.forEach((b, j) => { A.bp0[j] = b.t0; A.bp1[j] = b.t1 == null ? END : b.t1; });
    CH.forEach((c, j) => { A.cp[j] = c.t; });
    calls.forEach((c, j) => { A.kp0[j] = c.t0; A.kp1[j] = c.t1 == null ? END : c.t1; });
    if (FL) A.fp = FL.t;
    return (AXC[mode] = A);
  }
  Object.assign(A, { end: NSTEP, ord: true, minspan: Math.min(NSTEP, 4) });
  for (let i = 0; i < NEV; i++) A.pos[i] = stepOf(i) + 0.5;
  const atT = t => stepB(idxAt(t, false));
  const until = (p0, t1) => { // the slot edge a span that began at p0 ends at: an instant spans its events
    let p1 = atT(t1);
    if (p1 <= p0) p1 = stepB(idxAt(t1, true));
    return Math.min(NSTEP, Math.max(p1, p0 + 1));
  };
  // a message that ended without delivery: its end is the packet event that says so ("#7 dropped")
  const endEv = new Map();
  for (let i = 0; i < NEV; i++) {
    const e = EV[i], x = e[4];
    if ((e[1] !== 'packet' && e[1] !== 'control') || !x || x.charCodeAt(0) !== 35) continue;
    const sp = x.indexOf(' ');
    if (sp > 1 && x.slice(sp + 1) !== 'sent') { const id = +x.slice(1, sp); if (!endEv.has(id)) endEv.set(id, []); endEv.get(id).push(i); }
  }
  MS.forEach((m, j) => {
    const s0 = m.step0 !== undefined ? m.step0 : m.sent, s1 = m.step1 !== undefined ? m.step1 : m.recv;
    const p0 = s0 != null ? s0 + 0.5 : atT(m.t0) + 0.5;
    let p1;
    if (s1 != null) p1 = s1 + 0.5;
    else if (m.t1 == null) p1 = NSTEP;
    else {
      // the event of its fate, the last one (a TCP segment may be lost twice, then dropped)
      const ends = (endEv.get(m.id) || []).filter(i => stepOf(i) + 0.5 > p0);
      const same = ends.filter(i => EV[i][4].endsWith(' ' + m.fate));
      const at = same.length ? same[same.length - 1] : ends[ends.length - 1];
      p1 = at != null ? stepOf(at) + 0.5 : atT(m.t1) + 0.5;
    }
    A.mp0[j] = p0; A.mp1[j] = Math.max(p0, Math.min(NSTEP, p1));
  });
  // a band starts at the node or fault event that made it ("node 'kv2' killed", "fault partition …")
  // and ends at the first later one at its end time that names its nodes ("… restarted", "fault repair …")
  const LIM = 4000, isNF = e => e[1] === 'node' || e[1] === 'fault';
  BD.forEach((b, j) => {
    let i0 = idxAt(b.t0, false);
    const names = (b.nodes || []).map(n => `'${nodeName(n)}'`), label = String(b.label || '');
    for (let i = i0; i < NEV && i < i0 + LIM && EV[i][0] === b.t0; i++) {
      const x = String(EV[i][4] || '');
      if (isNF(EV[i]) && label && x.endsWith(label)) { i0 = i; break; }
    }
    const p0 = stepB(i0);
    let p1 = null;
    if (b.t1 == null) p1 = NSTEP;
    else {
      const from = Math.max(idxAt(b.t1, false), i0 + 1);
      for (let i = from; i < NEV && i < from + LIM && EV[i][0] === b.t1; i++) {
        const x = String(EV[i][4] || '');
        if (isNF(EV[i]) && names.length && names.every(n => x.includes(n))) { p1 = stepOf(i) + 1; break; }
      }
      if (p1 == null) p1 = until(p0, b.t1);
    }
    A.bp0[j] = p0; A.bp1[j] = Math.max(p0, Math.min(NSTEP, p1));
  });
  CH.forEach((c, j) => { A.cp[j] = c.step != null ? c.step : stepB(c.event); });
  calls.forEach((c, j) => { const p0 = atT(c.t0); A.kp0[j] = p0; A.kp1[j] = c.t1 == null ? NSTEP : until(p0, c.t1); });
  if (FL) { const fs = FL.step != null ? FL.step : FL.event; A.fp = fs != null ? fs + 0.5 : atT(FL.t) + 0.5; }
  return (AXC[mode] = A);
}
let AX = null; // the current axis's data
const choicePos = j => AX.mode === 'steps' ? Math.min(AX.end, AX.cp[j] + 0.5) : AX.cp[j];
const sentBy = new Map(), recvBy = new Map(), choicesAt = new Map();
const push = (m, k, v) => { if (k == null) return; if (!m.has(k)) m.set(k, []); m.get(k).push(v); };
MS.forEach((m, j) => { push(sentBy, m.sent, j); push(recvBy, m.recv, j); });
CH.forEach((c, j) => push(choicesAt, c.event, j));
const choiceText = c => `tape[${c.tape}] ${c.kind} = ${c.value} of ${c.of}`;
function evText(i) {
  const e = EV[i];
  if ((e[1] === 'packet' || e[1] === 'control') && /^#\d+ /.test(e[4] || '')) {
    const sp = e[4].indexOf(' '), m = msgById.get(+e[4].slice(1, sp));
    return (m ? m.label : 'packet ' + e[4].slice(0, sp)) + ' ' + e[4].slice(sp + 1);
  }
  if (e[4]) return e[4];
  const ts = e[2] >= 0 ? 'task ' + taskStr(e[2]) : '';
  switch (e[1]) {
    case 'finish': return ts + ' finished';
    case 'panic': return ts + ' panicked';
    default: return e[1] + (ts ? ' ' + ts : '');
  }
}
const protoCls = p => p === 'udp' || p === 'tcp' ? p : 'ctl';
// an event's words for a label next to its mark: its row already says its node and task
const EVWORD = { spawn: 'spawned', finish: 'finished', panic: 'panicked', cancel: 'cancelled' };
function evShort(i) {
  const e = EV[i], x = String(e[4] || '');
  if ((e[1] === 'packet' || e[1] === 'control') && /^#\d+ /.test(x)) {
    const sp = x.indexOf(' '), m = msgById.get(+x.slice(1, sp));
    return x.slice(sp + 1) + ' ' + (m ? m.proto + ' ' : '') + x.slice(0, sp);
  }
  if (!x) return EVWORD[e[1]] || e[1];
  switch (e[1]) {
    case 'yield': return 'yield ' + x.replace(/ at \S+$/, '');
    case 'node': return x.replace(/^node '[^']*' /, '');
    case 'disk': return x.replace(/^disk '[^']*' /, '');
    case 'fault': return x.replace(/^fault /, '');
    default: return x;
  }
}

// ---------- state (URL hash) ----------
const S = { nodes: null, tasks: null, axis: DEFAULT_AXIS, vf: 0, vt: END };
function setAxis(mode) {
  S.axis = mode; AX = axisData(mode);
  document.body.dataset.axis = mode;
  const b = $('axis-toggle');
  if (b) {
    b.textContent = mode === 'steps' ? 'step axis' : 'time axis';
    b.title = mode === 'steps' ? 'x is step order (events at one instant spread out); click for virtual time (t)'
      : 'x is virtual time; click for step order, which spreads out events at one instant (t)';
    b.classList.toggle('on', mode === 'steps');
  }
}
function readHash() {
  const p = {};
  for (const kv of location.hash.replace(/^#/, '').split('&')) {
    const i = kv.indexOf('=');
    if (i > 0) p[kv.slice(0, i)] = kv.slice(i + 1);
  }
  setAxis(p.axis === 'steps' || p.axis === 'time' ? p.axis : DEFAULT_AXIS);
  S.nodes = new Set(NODES.map(n => n.id)); S.tasks = null; S.vf = 0; S.vt = AX.end;
  if (p.nodes != null) {
    const s = new Set();
    const find = nm => NODES.find(n => n.name === nm) || (/^\d+$/.test(nm) ? NODES.find(n => n.id === +nm) : null);
    for (const raw of p.nodes.split(',')) {
      let nm = raw;
      try { nm = decodeURIComponent(raw); } catch (e) { continue; }
      for (const n of find(nm) ? [find(nm)] : nm.split(',').map(find)) if (n) s.add(n.id); // also %2C-joined lists
    }
    if (s.size) S.nodes = s;
  }
  if (p.tasks != null) S.tasks = parseTasks(p.tasks.replace(/%2C/gi, ',')).set;
  const num = v => (v != null && /^\s*\d+(\.\d+)?\s*$/.test(v)) ? +v : null;
  const f = num(p.from), t = num(p.to), vf = f != null ? f : 0, vt = t != null ? t : AX.end;
  if (vt > vf && vf < AX.end) {
    // as setView: at least the axis's smallest span, inside the run
    const span = Math.min(AX.end, Math.max(AX.minspan, Math.min(vt, AX.end) - vf));
    S.vf = Math.max(0, Math.min(vf, AX.end - span)); S.vt = S.vf + span;
  }
}
function parseTasks(txt) {
  const s = new Set(); let bad = false;
  for (const raw of String(txt).split(',')) {
    const w = raw.trim();
    if (!w) continue;
    if (/^\d+$/.test(w)) s.add(+w); else bad = true;
  }
  return { set: s.size ? s : null, bad };
}
function writeHash() {
  const p = [];
  if (S.nodes.size !== NODES.length) p.push('nodes=' + NODES.filter(n => S.nodes.has(n.id)).map(n => encodeURIComponent(n.name)).join(','));
  if (S.tasks) p.push('tasks=' + [...S.tasks].join(','));
  const zoomed = S.vf > 0 || S.vt < AX.end;
  if (zoomed || S.axis !== DEFAULT_AXIS) p.push('axis=' + S.axis);
  if (zoomed) p.push(S.axis === 'steps' ? `from=${Math.floor(S.vf)}&to=${Math.ceil(S.vt)}` : `from=${Math.round(S.vf)}&to=${Math.round(S.vt)}`);
  try { history.replaceState(null, '', location.pathname + location.search + (p.length ? '#' + p.join('&') : '')); } catch (e) { /* file: quirks */ }
}

// ---------- layout: rows of the diagram ----------
function layout() {
  const L = { rows: [], lanes: [], taskRow: new Map(), nodeRow: new Map(), laneOf: new Map() };
  let y = 0, n = 1;
  for (const nd of NODES) if (S.nodes.has(nd.id)) { n++; for (const t of tasksOfNode.get(nd.id) || []) if (!S.tasks || S.tasks.has(t.id)) n++; }
  RH.task = Math.max(16, Math.min(22, Math.floor((window.innerHeight - 330) / n)));
  RH.node = RH.world = RH.task + 4;
  const row = (r) => { r.y = y; r.i = L.rows.length; L.rows.push(r); y += r.h; return r; };
  L.world = row({ kind: 'world', h: RH.world });
  for (const n of NODES) {
    if (!S.nodes.has(n.id)) continue;
    const lane = { node: nodeById.get(n.id), y0: y, idx: L.lanes.length };
    lane.nodeRow = row({ kind: 'node', node: n.id, h: RH.node });
    L.nodeRow.set(n.id, lane.nodeRow);
    lane.tasks = [];
    for (const t of tasksOfNode.get(n.id) || []) {
      if (S.tasks && !S.tasks.has(t.id)) continue;
      const r = row({ kind: 'task', task: t.id, node: n.id, h: RH.task });
      L.taskRow.set(t.id, r); lane.tasks.push(r);
    }
    lane.y1 = y; L.lanes.push(lane); L.laneOf.set(n.id, lane);
  }
  L.H = y + 2;
  return L;
}
function rowOf(L, task, node) {
  if (S.tasks) return task >= 0 && S.tasks.has(task) ? (L.taskRow.get(task) || L.nodeRow.get(node) || null) : null;
  if (task >= 0) {
    const r = L.taskRow.get(task);
    if (r) return r;
    const t = taskById.get(task);
    if (t && nodeById.has(t.node)) return null; // its lane is hidden
  }
  if (node >= 0 && nodeById.has(node)) return L.nodeRow.get(node) || null;
  return L.world;
}

// ---------- time axis ----------
function ticks(vf, vt, px) {
  const target = (vt - vf) * 110 / Math.max(px, 1);
  const p = Math.pow(10, Math.floor(Math.log10(target)));
  let step = p * 10;
  for (const m of [1, 2, 5]) if (m * p >= target) { step = m * p; break; }
  const dec = Math.min(9, Math.max(0, Math.ceil(-Math.log10(step / 1e9) - 1e-9)));
  const out = [], first = Math.ceil(vf / step);
  for (let i = first; i * step <= vt && out.length < 200; i++) out.push([i * step, (i * step / 1e9).toFixed(dec) + 's']);
  return out;
}
function fmtRange(vf, vt) {
  const d = Math.min(9, Math.max(3, Math.ceil(-Math.log10((vt - vf) / 1e9)) + 2));
  return `${(vf / 1e9).toFixed(d)}s – ${(vt / 1e9).toFixed(d)}s`;
}
// the decimals that tell apart the virtual times of the steps vf..vt
const stepTimeDec = (vf, vt) => {
  const d = timeAtStep(Math.max(0, Math.floor(vt - 0.5))) - timeAtStep(Math.max(0, Math.ceil(vf - 0.5)));
  return d > 0 ? Math.min(9, Math.max(3, Math.ceil(-Math.log10(d / 1e9)) + 2)) : 3;
};
// step axis ticks: [x, '#step', 'time at that step'], at the middle of the step's slot
function stepTicks(vf, vt, px) {
  const target = Math.max(1, (vt - vf) * 110 / Math.max(px, 1));
  const p = Math.pow(10, Math.floor(Math.log10(target)));
  let step = p * 10;
  for (const m of [1, 2, 5]) if (m * p >= target) { step = m * p; break; }
  const dec = stepTimeDec(vf, vt), out = [];
  for (let s = Math.ceil((vf - 0.5) / step) * step; s + 0.5 <= vt && out.length < 200; s += step) {
    if (s < 0 || s >= NSTEP) continue;
    out.push([s + 0.5, '#' + s, (timeAtStep(s) / 1e9).toFixed(dec) + 's']);
  }
  return out;
}
function stepRange(vf, vt) {
  const a = Math.max(0, Math.ceil(vf - 0.5)), b = Math.max(a, Math.min(NSTEP - 1, Math.floor(vt - 0.5))), d = stepTimeDec(vf, vt);
  return `steps #${a} – #${b} (${(timeAtStep(a) / 1e9).toFixed(d)}s – ${(timeAtStep(b) / 1e9).toFixed(d)}s)`;
}

// ---------- render ----------
let W = 1000, CUR = null, pinned = null;
function measure() { W = Math.max(420, $('wrap').clientWidth || (window.innerWidth - 380)); }
function render() {
  const steps = AX.mode === 'steps', rp = steps ? 56 : RP; // the step axis keeps room right of the last event for its label
  const L = layout(), PW = Math.max(60, W - LW - rp), vf = S.vf, vt = S.vt, k = PW / (vt - vf);
  const X = t => LW + (t - vf) * k, H = L.H, R = L.rows.length, P = AX.pos;
  CUR = { L, k, vf, vt, PW };
  // events in view, their rows
  const lo = AX.ord ? lowerIn(P, vf, false) : 0, hi = AX.ord ? lowerIn(P, vt, true) : NEV;
  const ri = new Int32Array(Math.max(0, hi - lo));
  let nIn = 0;
  for (let i = lo; i < hi; i++) {
    const e = EV[i];
    if (!AX.ord && (P[i] < vf || P[i] > vt)) { ri[i - lo] = -1; continue; }
    const r = rowOf(L, e[2], e[3]);
    ri[i - lo] = r ? r.i : -1;
    if (r) nIn++;
  }
  const agg = nIn > AGG, marks = L.rows.map(() => []);
  let nMarks = 0;
  if (!agg) {
    const last = new Float64Array(R).fill(-1e9), pts = nIn <= LABELS ? L.rows.map(() => []) : null;
    for (let i = lo; i < hi; i++) {
      const r = ri[i - lo];
      if (r < 0) continue;
      const e = EV[i], row = L.rows[r];
      let x = X(P[i]);
      const p = last[r] + 2.2;
      if (x < p && p - x < 8) x = p; // same-time events: nudge right so each stays clickable
      last[r] = x;
      const h = TALL.has(e[1]) ? 13 : 9;
      marks[r].push(`<rect class="ev ev-${kcls(e[1])}" data-i="${i}" x="${f1(x - 1.5)}" y="${row.y + (row.h - h) / 2}" width="3" height="${h}"/>`);
      if (pts) pts[r].push([x, i]);
      nMarks++;
    }
    // few events in view: name each where its row has room up to the next one
    if (pts) pts.forEach((ps, r) => {
      if (!AX.ord) ps.sort((a, b) => a[0] - b[0]);
      const row = L.rows[r];
      let used = LW; // where the row's previous label ends
      ps.forEach(([x, i], j) => {
        if (x < LW - 2 || (j && x - ps[j - 1][0] < 6)) return; // in a cluster of marks: none is named
        const dx = FL && FL.event === i ? 10 : 3.5, y = f1(row.y + row.h / 2 + 3.5); // clear of the failure's ring
        const last = j + 1 === ps.length, room = (last ? W - 2 : ps[j + 1][0] - 4) - x - dx, n = Math.floor(room / 6.1), t = evShort(i);
        if (t.length > n && last && x - dx - used >= t.length * 6.1 + 4) { // the row's last mark near the edge: name it on its left
          marks[r].push(`<text class="ev-label" x="${f1(x - dx)}" y="${y}" text-anchor="end">${esc(t)}</text>`);
          return;
        }
        if (t.length > n && n < 12) return; // whole, or at least a readable part
        const s = t.length > n ? t.slice(0, n - 1) + '…' : t;
        marks[r].push(`<text class="ev-label" x="${f1(x + dx)}" y="${y}">${esc(s)}</text>`);
        used = x + dx + s.length * 6.1;
      });
    });
  } else {
    const C = Math.ceil(PW) + 1, cnt = new Uint32Array(R * C), kp = new Uint8Array(R * C);
    for (let i = lo; i < hi; i++) {
      const r = ri[i - lo];
      if (r < 0) continue;
      const e = EV[i], idx = r * C + Math.min(C - 1, Math.floor((P[i] - vf) * k)), p = KPRIO.get(e[1]) || 1;
      cnt[idx]++;
      if (p > kp[idx]) kp[idx] = p;
    }
    for (let r = 0; r < R; r++) {
      const row = L.rows[r], yb = row.y + row.h - 2, paths = new Map();
      for (let c = 0; c < C; c++) {
        const n = cnt[r * C + c];
        if (!n) continue;
        const h = Math.min(row.h - 4, 3 + Math.log2(n) * 2.2).toFixed(1), p = kp[r * C + c];
        if (!paths.has(p)) paths.set(p, []);
        paths.get(p).push(`M${LW + c + 0.5} ${yb}v-${h}`);
      }
      for (const [p, d] of paths) marks[r].push(`<path class="density ev-${p >= NOTABLE ? KINDS[p - 1][0] : 'other'}" data-row="${r}" d="${d.join('')}"/>`);
    }
  }
  // on the step axis: a faint line where virtual time moves on, so one instant's events read as a group
  let inst = '';
  if (steps && !agg) {
    let n = 0, d = '';
    for (let i = Math.max(1, lo); i < hi && n <= 400; i++) if (EV[i][0] !== EV[i - 1][0]) { d += `M${f1(X(stepOf(i)))} 0V${H}`; n++; }
    if (n && n <= 400) inst = `<path class="instant" d="${d}"/>`;
  }
  // background, lanes and labels
  const tk = steps ? stepTicks(vf, vt, PW) : ticks(vf, vt, PW);
  const bg = [`<rect x="0" y="0" width="${W}" height="${RH.world}" fill="#f8fafc"/>`];
  const lab = [];
  const trunc = (s, n) => s.length > n ? s.slice(0, n - 1) + '…' : s;
  lab.push(`<g class="world"><text class="world-label" x="8" y="${RH.world / 2 + 4}">world</text>${marks[0].join('')}</g>`);
  for (const lane of L.lanes) {
    bg.push(`<rect x="0" y="${lane.y0}" width="${W}" height="${lane.y1 - lane.y0}" fill="${lane.idx % 2 ? '#f5f7fa' : '#ffffff'}"/>`,
      `<line class="laneline" x1="0" x2="${W}" y1="${lane.y0 + 0.5}" y2="${lane.y0 + 0.5}"/>`);
    const nr = lane.nodeRow, nm = lane.node.name;
    let s = `<g class="lane" data-node="${esc(nm)}" data-node-id="${lane.node.id}"><text class="lane-label" x="8" y="${nr.y + nr.h / 2 + 4}">${esc(trunc(nm, 22))}<title>node ${esc(nm)} (id ${lane.node.id})</title></text><g class="noderow">${marks[nr.i].join('')}</g>`;
    for (const r of lane.tasks) {
      const t = taskById.get(r.task), full = t.name != null ? `${t.id} ${t.name}` : String(t.id);
      bg.push(`<line class="rowline" x1="${LW}" x2="${W}" y1="${r.y + 0.5}" y2="${r.y + 0.5}"/>`);
      s += `<g class="task" data-task="${t.id}"><text class="task-label" x="20" y="${r.y + r.h / 2 + 4}">${esc(trunc(full, 21))}<title>task ${esc(taskStr(t.id))} on ${esc(nm)}${t.parent != null ? ', parent ' + esc(taskStr(t.parent)) : ''}</title></text>${marks[r.i].join('')}</g>`;
    }
    lab.push(s + '</g>');
  }
  bg.push(`<rect x="0" y="0" width="${LW - 6}" height="${H}" fill="rgba(241,245,249,.55)"/><line class="laneline" x1="${LW - 6}" x2="${LW - 6}" y1="0" y2="${H}"/>`);
  const grid = `<path class="grid" d="${tk.map(t => `M${f1(X(t[0]))} 0V${H}`).join('')}"/>`;
  // bands
  const bands = [], labelled = [], blabels = [];
  BD.forEach((b, j) => {
    const b0 = AX.bp0[j], b1 = AX.bp1[j];
    if (b0 > vt || b1 < vf) return;
    const lanes = L.lanes.filter(l => (b.nodes || []).includes(l.node.id));
    if (!lanes.length) return;
    const x0 = X(Math.max(b0, vf)), x1 = X(Math.min(b1, vt)), w = Math.max(1, x1 - x0);
    let s = `<g class="band" data-kind="${esc(b.kind)}" data-b="${j}">`;
    for (const l of lanes) s += `<rect x="${f1(x0)}" y="${l.y0 + 1}" width="${f1(w)}" height="${l.y1 - l.y0 - 2}"/>`;
    const n = labelled.filter(q => q[0] === lanes[0] && q[1] < x1 && q[2] > x0).length;
    labelled.push([lanes[0], x0, x0 + Math.max(w, 200)]);
    if (w > 24) blabels.push(`<text class="band-label" style="fill:${BCOL.get(b.kind) || '#334155'}" x="${f1(x0 + 4)}" y="${lanes[0].y0 + 12 + 11 * (n % 3)}">${esc(trunc(String(b.label || b.kind), Math.floor((w - 6) / 6.2)))}</text>`);
    bands.push(s + '</g>');
  });
  // arrows
  const arrows = [], laneIdx = id => nodeById.has(id) ? nodeById.get(id).idx : -1;
  let aIn = 0, aDrawn = 0;
  const endY = (node, evi, vis, other) => {
    if (!vis) return laneIdx(node) < laneIdx(other) ? 1 : H - 1;
    let r = null;
    const e = evi != null ? EV[evi] : null;
    if (e && e[2] >= 0) r = L.taskRow.get(e[2]);
    if (!r || r.node !== node) r = L.nodeRow.get(node);
    return r.y + r.h / 2;
  };
  for (let j = 0; j < MS.length; j++) {
    const m = MS[j], fv = S.nodes.has(m.from), tv = S.nodes.has(m.to);
    if (!fv && !tv) continue;
    const open = m.t1 == null, p0 = AX.mp0[j], p1 = AX.mp1[j];
    if (p0 > vt || p1 < vf) continue;
    aIn++;
    if (aDrawn >= MAXA) continue;
    aDrawn++;
    const ya = endY(m.from, m.sent, fv, m.to), yt = endY(m.to, m.recv, tv, m.from);
    const cut = m.fate === 'dropped' || m.fate === 'lost', yb = cut ? ya + (yt - ya) / 2 : yt;
    // clip the segment to the window so coordinates stay small
    let a = p0, b = p1, y0 = ya, y1 = yb, endIn = true;
    if (a < vf && b > a) { y0 = ya + (yb - ya) * (vf - a) / (b - a); a = vf; }
    if (b > vt) { y1 = ya + (yb - ya) * (vt - p0) / (b - p0); b = vt; endIn = false; }
    const x0 = f1(X(a)), x1 = f1(X(b)), d = `M${x0} ${f1(y0)}L${x1} ${f1(y1)}`;
    const head = !cut && !open && endIn ? ` marker-end="url(#ah-${protoCls(m.proto)})"` : '';
    const xm = cut && endIn ? `<path class="x" d="M${x1 - 3.5} ${f1(y1 - 3.5)}l7 7m0 -7l-7 7"/>` : '';
    arrows.push(`<g class="arrow" data-fate="${esc(m.fate)}" data-p="${protoCls(m.proto)}" data-id="${esc(m.id)}" data-m="${j}"${m.dup ? ' data-dup="1"' : ''}${open ? ' data-open="1"' : ''}><path class="hit" d="${d}"/><path class="ln" d="${d}"${head}/>${xm}</g>`);
  }
  // choices and failure (on top); on the step axis a choice sits just before the event it precedes
  const top = [], lastC = new Map(), cdx = steps ? -Math.min(5, k / 2) : 0, chX = [];
  CH.forEach((c, j) => {
    const cp = choicePos(j);
    if (cp < vf || cp > vt) return;
    const r = rowOf(L, c.task == null ? -1 : c.task, c.node == null ? -1 : c.node);
    chX.push(X(cp) + cdx);
    if (!r) return;
    let x = X(cp) + cdx;
    const p = (lastC.get(r.i) ?? -1e9) + 9;
    if (x < p) x = p;
    lastC.set(r.i, x);
    const y = r.y + 1, cy = r.y + r.h / 2;
    top.push(`<g class="choice" data-c="${j}"><title>${esc(choiceText(c))}</title><path class="stem" d="M${f1(x)} ${cy}V${y + 4}"/><path class="dia" d="M${f1(x)} ${y - 2}l4.5 4.5l-4.5 4.5l-4.5 -4.5z"/>${CH.length <= 60 ? `<text x="${f1(x + 6)}" y="${y + 7}">${c.tape}</text>` : ''}</g>`);
  });
  let hasFail = false;
  if (FL && AX.fp >= vf && AX.fp <= vt) {
    const x = f1(X(AX.fp)), r = rowOf(L, FL.task == null ? -1 : FL.task, FL.node == null ? -1 : FL.node);
    const cy = r ? r.y + r.h / 2 : 0;
    top.push(`<g class="failure" data-f="1"><line x1="${x}" x2="${x}" y1="0" y2="${H}"/>${r ? `<circle class="ring" cx="${x}" cy="${cy}" r="8"/><circle cx="${x}" cy="${cy}" r="4.5"/>` : ''}${x + 52 > W - 4 ? `<text x="${x - 5}" y="14" text-anchor="end">failure</text>` : `<text x="${x + 5}" y="14">failure</text>`}</g>`);
    hasFail = true;
  }
  const defs = `<defs><clipPath id="plotclip"><rect x="${LW - 6}" y="0" width="${W - LW + 6}" height="${H}"/></clipPath>`
    + FATES.slice(0, 3).map(f => `<marker id="ah-${f[1]}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" markerUnits="userSpaceOnUse" orient="auto"><path d="M0 1L10 5L0 9z" fill="${f[2]}"/></marker>`).join('')
    + `<pattern id="hatch-killed" width="7" height="7" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="7" height="7" fill="rgba(51,65,85,.07)"/><line x1="0" y1="0" x2="0" y2="7" stroke="rgba(51,65,85,.28)" stroke-width="2"/></pattern>`
    + `<pattern id="hatch-paused" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(-45)"><rect width="8" height="8" fill="rgba(37,99,235,.06)"/><line x1="0" y1="0" x2="0" y2="8" stroke="rgba(37,99,235,.22)" stroke-width="1.5"/></pattern></defs>`;
  const svg = $('diagram');
  svg.setAttribute('width', W); svg.setAttribute('height', H); svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.innerHTML = defs + bg.join('') + grid + `<g clip-path="url(#plotclip)">${inst}${bands.join('')}<g class="arrows" style="--ao:${Math.max(0.3, Math.min(0.8, 14 / Math.sqrt(aDrawn + 1))).toFixed(2)}">${arrows.join('')}</g></g>`
    + lab.join('') + `<g clip-path="url(#plotclip)">${blabels.join('')}${top.join('')}</g>`;
  // axis: time ticks, or step ticks with the virtual time under each
  const ax = $('axis'), AH = steps ? 38 : 26;
  ax.setAttribute('width', W); ax.setAttribute('height', AH);
  let a = `<text x="8" y="${AH - 9}" class="world-label" id="cursor-t">${steps ? 'step · time' : 'time (s)'}</text><path d="M${LW} ${AH - 0.5}H${W - rp}" stroke="#94a3b8"/>`;
  for (const t of tk) {
    const x = f1(X(t[0]));
    a += `<path d="M${x} ${AH - 7}V${AH - 1}" stroke="#64748b"/><text x="${x}" y="14" text-anchor="middle">${t[1]}</text>`;
    if (steps) a += `<text class="tick-t" x="${x}" y="26" text-anchor="middle">${t[2]}</text>`;
  }
  for (const x of chX) a += `<path d="M${f1(x)} ${AH - 8}l3.5 3.5l-3.5 3.5l-3.5 -3.5z" fill="#ff1fd2"/>`;
  if (hasFail) a += `<path d="M${f1(X(AX.fp)) - 5} ${AH - 10}h10l-5 9z" fill="#e11d48"/>`;
  ax.innerHTML = a;
  if (PN) renderPanel(X, tk);
  // status
  const sel = [];
  if (S.nodes.size !== NODES.length) sel.push('nodes ' + NODES.filter(n => S.nodes.has(n.id)).map(n => n.name).join(','));
  if (S.tasks) sel.push('tasks ' + [...S.tasks].join(','));
  const tot = +D.events_total > NEV && !D.sampled ? ` (the run had ${fmtN(D.events_total)})` : '';
  let st = `showing ${fmtN(nIn)} of ${fmtN(NEV)} events${tot}, ${steps ? stepRange(vf, vt) : fmtRange(vf, vt)} · ${fmtN(aDrawn)} of ${fmtN(MS.length)} messages drawn${+D.messages_total > MS.length ? ` (the run had ${fmtN(D.messages_total)}: the first ${fmtN(MS.length)} are kept)` : ''}`;
  if (steps) st += ` <span class="note">· x: step order${NTIMES < 8 ? ` (the run's events are at ${NTIMES === 1 ? 'one virtual instant' : NTIMES + ' virtual times'})` : ''}</span>`;
  if (agg) st += ` <span class="note">· aggregated into density ticks per pixel column (more than ${fmtN(AGG)} events in view); zoom in for single events</span>`;
  if (aIn > aDrawn) st += ` <span class="note">· arrows: first ${fmtN(MAXA)} of ${fmtN(aIn)} messages in view drawn</span>`;
  if (sel.length) st += ` · filter: ${esc(sel.join('; '))}`;
  if (D.sampled) st += ` <span class="warn" id="sampled">sampled: kept ${fmtN(D.sampled.kept)} of ${fmtN(D.sampled.of)} events (${esc(D.sampled.why)})</span>`;
  $('status').innerHTML = st;
  const bd = document.body.dataset;
  bd.events = String(nIn); bd.marks = String(nMarks); bd.arrows = String(aDrawn); bd.agg = agg ? '1' : '0'; bd.failure = hasFail ? '1' : '0';
  markPinned();
}
function renderPanel(X, tk) {
  const byClient = new Map();
  PN.calls.forEach((c, j) => push(byClient, c.client, j));
  const clients = [...byClient.keys()].sort((a, b) => a - b), RHc = 20;
  let y = 4, s = '', lab = '';
  clients.forEach((cl, ci) => {
    const subs = [], ys = y;
    for (const j of byClient.get(cl).slice().sort((a, b) => AX.kp0[a] - AX.kp0[b])) {
      const c = PN.calls[j], p0 = AX.kp0[j], p1 = AX.kp1[j];
      let sub = subs.findIndex(e => e <= p0);
      if (sub < 0) { sub = subs.length; subs.push(0); }
      subs[sub] = p1;
      if (p0 > S.vt || p1 < S.vf) continue;
      const x0 = X(Math.max(p0, S.vf)), x1 = X(Math.min(p1, S.vt)), w = Math.max(2, x1 - x0), cy = ys + sub * RHc;
      const cls = 'call' + (c.bad ? ' bad' : '') + (c.prefix ? ' prefix' : '');
      const txt = String(c.label), fit = Math.floor((w - 6) / 6);
      s += `<g class="${cls}" data-k="${j}"${c.t1 == null ? ' data-open="1"' : ''}><title>client ${esc(cl)}: ${esc(txt)}</title><rect x="${f1(x0)}" y="${cy + 2}" width="${f1(w)}" height="${RHc - 5}" rx="2"/>`
        + (fit >= 3 ? `<text x="${f1(x0 + 4)}" y="${cy + 13}">${esc(fit < txt.length ? txt.slice(0, fit - 1) + '…' : txt)}</text>` : '') + '</g>';
    }
    const h = Math.max(1, subs.length) * RHc;
    lab += `<rect x="0" y="${ys}" width="${W}" height="${h}" fill="${ci % 2 ? '#f5f7fa' : '#fff'}"/><text x="8" y="${ys + 14}" class="task-label">client ${esc(cl)}</text>`;
    y += h;
  });
  const H = y + 4;
  let g = `<path class="grid" d="${tk.map(t => `M${f1(X(t[0]))} 0V${H}`).join('')}"/>`;
  if (FL && AX.fp >= S.vf && AX.fp <= S.vt) g += `<line class="fail-line" x1="${f1(X(AX.fp))}" x2="${f1(X(AX.fp))}" y1="0" y2="${H}"/>`;
  const ps = $('pansvg');
  ps.setAttribute('width', W); ps.setAttribute('height', H);
  ps.innerHTML = `<defs><pattern id="hatch-open" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/><line x1="0" y1="0" x2="0" y2="6" stroke="#a5b4fc" stroke-width="2"/></pattern>`
    + `<clipPath id="panclip"><rect x="${LW - 6}" y="0" width="${W - LW + 6}" height="${H}"/></clipPath></defs>`
    + lab + g + `<g clip-path="url(#panclip)">${s}</g>`;
  const pl = $('panel').querySelector('.plg .ax');
  if (pl) pl.textContent = AX.mode === 'steps' ? "on the diagram's step axis, each call from the first event at or after its invocation to the first at or after its return" : "on the diagram's time axis";
}

// ---------- details ----------
const tr = (k, v) => `<tr><th>${esc(k)}</th><td>${v}</td></tr>`;
function msgLine(j, dir) {
  const m = MS[j];
  return `${dir} msg ${esc(m.id)}: ${esc(m.proto)} ${esc(nodeName(m.from))} → ${esc(nodeName(m.to))}, ${esc(m.len)} bytes, ${esc(m.fate)}${m.dup ? ' (dup)' : ''}`;
}
function detailsHTML(key) {
  const [kind, i] = key;
  if (kind === 'ev') {
    const e = EV[i], t = taskById.get(e[2]);
    let h = tr('step', '#' + stepOf(i)) + tr('time', `${fmtS(e[0])} <span class="hint">(${fmtN(e[0])} ns)</span>`) + tr('kind', esc(e[1]))
      + tr('task', esc(taskStr(e[2])) + (t && t.parent != null ? ` <span class="hint">parent ${esc(taskStr(t.parent))}</span>` : ''))
      + (t && t.site ? tr('spawned at', esc(t.site)) : '')
      + tr('node', esc(nodeName(e[3] >= 0 ? e[3] : (t ? t.node : -1)))) + tr('text', esc(evText(i)));
    for (const j of sentBy.get(i) || []) h += tr('sends', msgLine(j, '')); // msgLine escapes
    for (const j of recvBy.get(i) || []) h += tr('receives', msgLine(j, ''));
    for (const j of choicesAt.get(i) || []) h += tr('choice', `<b style="color:#c026d3">${esc(choiceText(CH[j]))}</b> just before`);
    if (FL && FL.event === i) h += tr('failure', `<b style="color:#be123c">${esc(FL.message)}</b>`);
    return `<table>${h}</table>`;
  }
  if (kind === 'arrow') {
    const m = MS[i];
    return `<table>${tr('message', esc(m.id) + (m.dup ? ' <b>(duplicate copy)</b>' : ''))}${tr('proto', esc(m.proto))}${tr('route', esc(nodeName(m.from) + ' → ' + nodeName(m.to)))}`
      + `${tr('len', esc(m.len) + ' bytes')}${tr('fate', '<b>' + esc(m.fate) + '</b>')}${tr('sent', `${fmtS(m.t0)} <span class="hint">step #${esc(m.step0 ?? m.sent)}</span>`)}`
      + tr(m.fate === 'delivered' ? 'recv' : m.t1 == null ? 'recv' : 'ended', m.t1 == null ? '— (in flight at end)' : `${fmtS(m.t1)}${m.recv != null ? ` <span class="hint">step #${esc(m.step1 ?? m.recv)}</span>` : ''}`)
      + (m.t1 != null ? tr('latency', fmtS(m.t1 - m.t0)) : '') + tr('label', esc(m.label)) + '</table>';
  }
  if (kind === 'band') {
    const b = BD[i];
    return `<table>${tr('band', '<b>' + esc(b.kind) + '</b>')}${tr('label', esc(b.label))}${tr('nodes', esc((b.nodes || []).map(nodeName).join(', ')))}`
      + `${tr('from', fmtS(b.t0))}${tr('to', b.t1 == null ? 'end of run' : fmtS(b.t1))}${tr('length', fmtS((b.t1 == null ? END : b.t1) - b.t0))}</table>`;
  }
  if (kind === 'choice') {
    const c = CH[i];
    return `<table>${tr('choice', `<b style="color:#c026d3">${esc(choiceText(c))}</b>`)}${tr('time', fmtS(c.t))}${tr('task', esc(taskStr(c.task)))}`
      + `${tr('node', esc(nodeName(c.node)))}${tr('before', 'step #' + esc(c.step ?? c.event) + (EV[c.event] ? ': ' + esc(evText(c.event)) : ' (end of run)'))}</table>`;
  }
  if (kind === 'failure') {
    return `<table>${tr('failure', `<b style="color:#be123c">${esc(FL.message)}</b>`)}${tr('location', esc(FL.location))}${tr('time', fmtS(FL.t))}`
      + `${tr('task', esc(taskStr(FL.task)))}${tr('node', esc(nodeName(FL.node)))}${tr('step', FL.event == null ? '—' : '#' + esc(FL.step ?? FL.event))}</table>`;
  }
  if (kind === 'call') {
    const c = PN.calls[i];
    return `<table>${tr('call', '<b>' + esc(c.label) + '</b>')}${tr('client', esc(c.client))}${tr('invoked', fmtS(c.t0))}`
      + `${tr('returned', c.t1 == null ? '— (no return)' : fmtS(c.t1))}${tr('bad', c.bad ? '<b style="color:#dc2626">yes: cannot be placed</b>' : 'no')}${tr('prefix', c.prefix ? 'in the longest linearizable prefix' : 'no')}</table>`;
  }
  if (kind === 'density') {
    const [r, c] = i, { L, k, vf } = CUR, ta = vf + c / k, tb = vf + (c + 1) / k, row = L.rows[r];
    const P = AX.pos, lo = AX.ord ? lowerIn(P, ta, false) : 0, hi = AX.ord ? lowerIn(P, tb, false) : NEV, hits = [], per = new Map();
    for (let j = lo; j < hi; j++) {
      const e = EV[j];
      if (P[j] < ta || P[j] >= tb || rowOf(L, e[2], e[3]) !== row) continue;
      hits.push(j); per.set(e[1], (per.get(e[1]) || 0) + 1);
    }
    const where = row.kind === 'task' ? 'task ' + taskStr(row.task) : row.kind === 'node' ? 'node ' + nodeName(row.node) : 'world';
    let h = tr('density', `${fmtN(hits.length)} events`) + tr('row', esc(where))
      + (AX.mode === 'steps' ? (hits.length ? tr('steps', `#${stepOf(hits[0])} – #${stepOf(hits[hits.length - 1])}`) + tr('time', `${fmtS(EV[hits[0]][0])} – ${fmtS(EV[hits[hits.length - 1]][0])}`) : '')
        : tr('time', `${fmtS(ta)} – ${fmtS(tb)}`))
      + tr('kinds', esc([...per].map(([a, b]) => `${a} ${b}`).join(', ')));
    h = `<table>${h}</table><div style="margin-top:4px"><button data-zoom="${(ta + tb) / 2}">zoom in here</button></div>`;
    for (const j of hits.slice(0, 12)) h += `<div class="evl" data-jump="${j}">#${stepOf(j)} ${fmtS(EV[j][0])} ${esc(EV[j][1])} ${esc(evText(j))}</div>`;
    return h + (hits.length > 12 ? `<div class="hint">… ${fmtN(hits.length - 12)} more</div>` : '');
  }
  return '';
}
const HINT = '<span class="hint">hover an event, message, band, choice or call for its facts; click to pin.</span>';
function show(key, pin) {
  $('details').innerHTML = (pin ? '<div class="pinned">pinned · click empty space to unpin</div>' : '') + detailsHTML(key);
}
function keyOf(target, ev) {
  const el = target && target.closest ? target.closest('[data-i],[data-m],[data-b],[data-c],[data-f],[data-k],.density') : null;
  if (!el) return null;
  const d = el.dataset;
  if (d.i != null) return ['ev', +d.i];
  if (d.m != null) return ['arrow', +d.m];
  if (d.c != null) return ['choice', +d.c];
  if (d.f != null) return ['failure', 0];
  if (d.k != null) return ['call', +d.k];
  if (d.row != null) {
    const col = Math.floor(ev.clientX - $('diagram').getBoundingClientRect().left - LW);
    return ['density', [+d.row, Math.max(0, col)]];
  }
  if (d.b != null) return ['band', +d.b];
  return null;
}
const SEL = { ev: 'data-i', arrow: 'data-m', band: 'data-b', choice: 'data-c', failure: 'data-f', call: 'data-k' };
function markPinned() {
  for (const el of document.querySelectorAll('[data-pin]')) delete el.dataset.pin;
  if (!pinned || !SEL[pinned[0]]) return;
  const v = pinned[0] === 'failure' ? 1 : pinned[1];
  for (const el of document.querySelectorAll(`[${SEL[pinned[0]]}="${v}"]`)) el.dataset.pin = '1';
}
function pin(key) { pinned = key; if (key) show(key, true); else $('details').innerHTML = HINT; markPinned(); }

// ---------- view changes ----------
let queued = false;
function flush() { if (queued) { queued = false; render(); writeHash(); } }
function schedule() { if (!queued) { queued = true; requestAnimationFrame(flush); setTimeout(flush, 40); } } // timeout: rAF can stall in background tabs
function setView(vf, vt) {
  const end = AX.end;
  let span = Math.min(end, Math.max(AX.minspan, vt - vf));
  if (vf < 0) vf = 0;
  if (vf + span > end) vf = end - span;
  S.vf = Math.max(0, vf); S.vt = S.vf + span;
  schedule();
}
const zoom = (f, tc) => { tc = tc == null ? (S.vf + S.vt) / 2 : tc; setView(tc - (tc - S.vf) * f, tc + (S.vt - tc) * f); };
const centerOn = t => { if (t < S.vf || t > S.vt) { const h = (S.vt - S.vf) / 2; setView(t - h, t + h); } };

// ---------- page setup ----------
document.title = String(D.title || 'seedloop view');
$('title').textContent = String(D.title || 'seedloop view');
$('subtitle').textContent = String(D.subtitle || '');
readHash();
if (FL) {
  $('failure-slot').outerHTML = `<div id="failure" title="click to show the failure in the diagram"><b>FAILURE</b> at ${fmtS(FL.t)} · task ${esc(taskStr(FL.task))} · node ${esc(nodeName(FL.node))}${FL.event != null ? ' · step #' + esc(FL.step ?? FL.event) : ''}<br><span class="msg">${esc(FL.message)}</span>${FL.location ? `<br><span class="loc">at ${esc(FL.location)}</span>` : ''}</div>`;
  $('failure').addEventListener('click', () => { centerOn(AX.fp); pin(['failure', 0]); });
}
if (PN) {
  $('left').insertAdjacentHTML('beforeend', `<section id="panel"><h3>${esc(PN.title)}</h3><div class="plg">calls per client <span class="ax">on the diagram's time axis</span> · <span style="color:#16a34a">■</span> in the longest linearizable prefix · <span style="color:#dc2626">■</span> bad call (cannot be placed) · <span style="color:#6366f1">▨</span> no return (open)</div><svg id="pansvg"></svg></section>`);
}
$('nodefilters').insertAdjacentHTML('beforeend', NODES.map(n => `<label><input type="checkbox" class="node-filter" value="${esc(n.name)}"${S.nodes.has(n.id) ? ' checked' : ''}>${esc(n.name)}</label>`).join('') + '<button id="allnodes" title="show all nodes">all</button>');
$('task-filter').value = S.tasks ? [...S.tasks].join(',') : '';
const CHL = 500, chMore = Math.max(CH.length, +D.choices_total || 0) - Math.min(CH.length, CHL);
$('choices').innerHTML = CH.length ? CH.slice(0, CHL).map((c, j) => `<li data-c="${j}"><b>${esc(choiceText(c))}</b><br><span class="sub">${fmtS(c.t)} · task ${esc(taskStr(c.task))} · ${esc(nodeName(c.node))} · before step #${esc(c.step ?? c.event)}</span></li>`).join('')
  + (chMore > 0 ? `<li class="hint">and ${fmtN(chMore)} more (a shrunk run has a few)</li>` : '') : '<li class="hint">no non-zero choices</li>';
{ // legend
  const present = new Set(); for (const e of EV) present.add(e[1]);
  const sw = (c, shape) => `<svg width="14" height="12">${shape === 'line' ? `<path d="M0 6H14" stroke="${c}" stroke-width="2"/>` : shape === 'band' ? `<rect x="0.5" y="0.5" width="13" height="11" fill="${c}22" stroke="${c}" stroke-dasharray="3 1"/>` : `<rect x="5" y="1" width="4" height="10" fill="${c}"/>`}</svg>`;
  let l = '<span class="lh">events</span>' + KINDS.filter(k => present.has(k[0])).map(k => `<span class="lg">${sw(k[1])}${k[0]}</span>`).join('');
  l += '<span class="lh">messages</span>' + FATES.map(f => `<span class="lg">${sw(f[2], 'line')}${f[0]}${f[0] === 'dropped' || f[0] === 'lost' ? ' ✕' : ''}</span>`).join('')
    + '<span class="lg"><svg width="18" height="12"><path d="M0 6H18" stroke="#475569" stroke-width="1.5" stroke-dasharray="4 2"/></svg>dup copy</span>'
    + '<span class="lg"><svg width="18" height="12"><path d="M0 6H18" stroke="#475569" stroke-width="1.5" stroke-dasharray="1.5 2.5"/></svg>in flight at end</span>';
  l += '<span class="lh">bands</span>' + BANDS.map(b => `<span class="lg">${sw(b[1], 'band')}${b[0]}</span>`).join('')
    + '<span class="lg"><svg width="12" height="12"><path d="M6 1l5 5l-5 5l-5 -5z" fill="#ff1fd2" stroke="#701a75"/></svg>choice</span>'
    + '<span class="lg"><svg width="12" height="12"><path d="M6 0V12" stroke="#e11d48" stroke-width="2" stroke-dasharray="3 2"/></svg>failure</span>';
  $('legend').innerHTML = l;
}
$('details').innerHTML = HINT;

// ---------- interaction ----------
$('zin').onclick = () => zoom(0.5);
$('zout').onclick = () => zoom(2);
$('zreset').onclick = () => setView(0, AX.end);
// switch the x axis, showing about the same events: the ones in view before stay in view
function toggleAxis() {
  const from = AX, to = axisData(from.mode === 'steps' ? 'time' : 'steps');
  const whole = S.vf <= 0 && S.vt >= from.end;
  let vf = 0, vt = to.end;
  if (!whole && NEV) {
    const P = from.pos;
    let lo = from.ord ? lowerIn(P, S.vf, false) : 0, hi = from.ord ? lowerIn(P, S.vt, true) : NEV; // events in view: [lo, hi)
    if (!from.ord) { lo = NEV; hi = 0; for (let i = 0; i < NEV; i++) if (P[i] >= S.vf && P[i] <= S.vt) { if (i < lo) lo = i; hi = i + 1; } if (lo >= hi) lo = hi = idxAt(S.vf, false); }
    if (to.mode === 'steps') { vf = stepB(lo); vt = hi > lo ? stepB(hi - 1) + 1 : vf; }
    else if (hi > lo) { vf = EV[lo][0]; vt = EV[hi - 1][0]; for (let i = lo; i < hi; i++) { if (EV[i][0] < vf) vf = EV[i][0]; if (EV[i][0] > vt) vt = EV[i][0]; } }
    else vf = vt = lo < NEV ? EV[lo][0] : END;
    const pad = Math.max((vt - vf) * 0.03, to.minspan / 2);
    if (to.mode === 'time') { vf -= pad; vt += pad; }
    else if (vt - vf < to.minspan) { vf -= pad; vt += pad; }
  }
  if (pinned && pinned[0] === 'density') pin(null);
  setAxis(to.mode);
  setView(vf, vt);
}
$('axis-toggle').onclick = toggleAxis;
$('allnodes').onclick = () => { for (const c of document.querySelectorAll('input.node-filter')) c.checked = true; S.nodes = new Set(NODES.map(n => n.id)); schedule(); };
$('nodefilters').addEventListener('change', () => {
  const on = new Set([...document.querySelectorAll('input.node-filter:checked')].map(c => c.value));
  S.nodes = new Set(NODES.filter(n => on.has(n.name)).map(n => n.id));
  schedule();
});
$('task-filter').addEventListener('input', e => {
  const p = parseTasks(e.target.value);
  e.target.classList.toggle('bad', p.bad);
  S.tasks = p.set; schedule();
});
$('choices').addEventListener('click', e => { const k = keyOf(e.target); if (k) { centerOn(choicePos(k[1])); pin(k); } });
$('choices').addEventListener('mouseover', e => { const k = keyOf(e.target); if (k && !pinned) show(k); });
$('details').addEventListener('click', e => {
  const z = e.target.closest('[data-zoom]'), j = e.target.closest('[data-jump]');
  if (z) { const t = +z.dataset.zoom, h = Math.max(AX.minspan, (S.vt - S.vf) / 40); setView(t - h, t + h); }
  if (j) { const i = +j.dataset.jump, t = AX.pos[i], h = Math.max(AX.minspan, (S.vt - S.vf) / 40); setView(t - h, t + h); pin(['ev', i]); }
});
let drag = null;
function cursorText(x) { // the axis's words for the x under the pointer
  const steps = AX.mode === 'steps';
  if (x < LW) return steps ? 'step · time' : 'time (s)';
  const p = S.vf + (x - LW) / CUR.k;
  if (!steps) return (p / 1e9).toFixed(Math.min(9, Math.max(3, Math.ceil(Math.log10(CUR.k * 1e9))))) + 's';
  const st = Math.max(0, Math.min(NSTEP - 1, Math.floor(p)));
  return `#${st} · ${(timeAtStep(st) / 1e9).toFixed(stepTimeDec(S.vf, S.vt))}s`;
}
for (const id of ['diagram', 'axis'].concat(PN ? ['pansvg'] : [])) {
  const el = $(id);
  el.addEventListener('wheel', e => {
    const x = e.clientX - el.getBoundingClientRect().left;
    if (x < LW && id === 'diagram') return; // wheel over labels scrolls
    e.preventDefault();
    const dy = e.deltaMode === 1 ? e.deltaY * 30 : e.deltaY, dx = e.deltaMode === 1 ? e.deltaX * 30 : e.deltaX;
    if (Math.abs(dx) > Math.abs(dy) || e.shiftKey) { const s = (e.shiftKey ? dy : dx) / CUR.k; setView(S.vf + s, S.vt + s); return; }
    zoom(Math.exp(dy * 0.0015), S.vf + Math.max(0, x - LW) / CUR.k);
  }, { passive: false });
  el.addEventListener('mousedown', e => {
    if (e.button !== 0) return;
    drag = { x: e.clientX, vf: S.vf, vt: S.vt, moved: false, target: e.target, ev: e };
    $('diagram').classList.add('drag'); e.preventDefault();
  });
  el.addEventListener('mousemove', e => {
    const x = e.clientX - el.getBoundingClientRect().left, ct = $('cursor-t');
    if (ct) ct.textContent = cursorText(x);
    if (!drag && !pinned) { const k = keyOf(e.target, e); if (k) show(k); }
  });
}
window.addEventListener('mousemove', e => {
  if (!drag) return;
  const dx = e.clientX - drag.x;
  if (Math.abs(dx) > 3) drag.moved = true;
  if (drag.moved) { const s = -dx / CUR.k * ((S.vt - S.vf) / (drag.vt - drag.vf)); setView(drag.vf + s, drag.vt + s); }
});
window.addEventListener('mouseup', () => {
  if (!drag) return;
  const d = drag; drag = null; $('diagram').classList.remove('drag');
  if (!d.moved) pin(keyOf(d.target, d.ev));
});
document.addEventListener('keydown', e => {
  if (e.target.tagName === 'INPUT' || e.ctrlKey || e.metaKey || e.altKey) return;
  const span = S.vt - S.vf;
  if (e.key === '+' || e.key === '=') zoom(0.5);
  else if (e.key === '-' || e.key === '_') zoom(2);
  else if (e.key === '0') setView(0, AX.end);
  else if (e.key === 't') toggleAxis();
  else if (e.key === 'ArrowLeft') setView(S.vf - span / 5, S.vt - span / 5);
  else if (e.key === 'ArrowRight') setView(S.vf + span / 5, S.vt + span / 5);
  else if (e.key === 'Escape') pin(null);
});
window.addEventListener('hashchange', () => { readHash(); for (const c of document.querySelectorAll('input.node-filter')) c.checked = NODES.some(n => n.name === c.value && S.nodes.has(n.id)); $('task-filter').value = S.tasks ? [...S.tasks].join(',') : ''; render(); });
let rz = 0;
window.addEventListener('resize', () => { clearTimeout(rz); rz = setTimeout(() => { measure(); render(); }, 120); });

// ---------- first render, synchronously ----------
measure();
render();
void document.body.offsetHeight; // include layout in the time to interactive
document.body.dataset.ready = '1';
document.body.dataset.ms = String(Math.round(performance.now()));
})();
