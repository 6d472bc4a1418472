// Cutover dashboard: polls /api/migrations, keeps a short history per application for the charts,
// and sends switch/rollback/verify with the bearer token the user entered (kept in sessionStorage).
"use strict";
(function () {
  const PHASES = ["SOURCE_ONLY", "DUAL_WRITE", "DUAL_WRITE_TARGET_READS", "TARGET_ONLY"];
  const LABELS = { SOURCE_ONLY: "Source only", DUAL_WRITE: "Dual write", DUAL_WRITE_TARGET_READS: "Dual write, target reads", TARGET_ONLY: "Target only" };
  const HISTORY = 120;
  const POLL_MS = 2000;
  const history = {};
  let pending = null;

  const $ = (sel, root) => (root || document).querySelector(sel);
  function h(tag, attrs, ...children) {
    const svg = ["svg", "polyline", "polygon", "line", "text", "g"].includes(tag);
    const el = svg ? document.createElementNS("http://www.w3.org/2000/svg", tag) : document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "on") { for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn); }
      else el.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined) continue;
      el.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
    }
    return el;
  }
  const fmt = (n) => n === null || n === undefined ? "–" : Number(n).toLocaleString("en-US", { maximumFractionDigits: 1 });
  const token = () => sessionStorage.getItem("cutover-token") || "";

  function toast(text, bad) {
    const t = $("#toast");
    t.textContent = text;
    t.className = "toast show" + (bad ? " bad" : "");
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => { t.className = "toast"; }, 5000);
  }

  async function api(method, path, body) {
    const headers = { "Content-Type": "application/json" };
    if (method !== "GET") headers["Authorization"] = "Bearer " + token();
    const res = await fetch(path, { method, headers, body: body ? JSON.stringify(body) : undefined, cache: "no-store" });
    const data = await res.json().catch(() => ({}));
    if (!res.ok) {
      const err = new Error((data.error && data.error.message) || ("HTTP " + res.status));
      err.status = res.status;
      err.data = data;
      throw err;
    }
    return data;
  }

  function remember(m) {
    const list = history[m.app] || (history[m.app] = []);
    const s = m.status;
    list.push({ t: Date.now(), rate: s ? s.changesPerSecond : 0, lag: s ? s.pipelineLagP99Millis : 0 });
    if (list.length > HISTORY) list.shift();
  }

  function chart(points, key, color, unit) {
    const w = 300, hgt = 90, pad = 14;
    const values = points.map((p) => p[key] || 0);
    const max = Math.max(1, ...values);
    const xs = (i) => pad + (points.length <= 1 ? 0 : (i * (w - 2 * pad)) / (points.length - 1));
    const ys = (v) => hgt - pad - (v / max) * (hgt - 2 * pad);
    const line = values.map((v, i) => xs(i).toFixed(1) + "," + ys(v).toFixed(1)).join(" ");
    const area = line ? xs(0).toFixed(1) + "," + (hgt - pad) + " " + line + " " + xs(values.length - 1).toFixed(1) + "," + (hgt - pad) : "";
    return h("svg", { class: "chart", viewBox: `0 0 ${w} ${hgt}`, preserveAspectRatio: "none", role: "img", "aria-label": key },
      h("line", { class: "axis", x1: pad, y1: hgt - pad, x2: w - pad, y2: hgt - pad }),
      h("line", { class: "axis", x1: pad, y1: pad, x2: w - pad, y2: pad, "stroke-dasharray": "3 4" }),
      h("text", { x: pad, y: pad - 3 }, fmt(max) + " " + unit),
      area ? h("polygon", { class: "area", points: area, fill: color }) : null,
      line ? h("polyline", { points: line, fill: "none", stroke: color, "stroke-width": 2, "stroke-linejoin": "round", "vector-effect": "non-scaling-stroke" }) : null);
  }

  function stepper(phase) {
    const at = PHASES.indexOf(phase);
    return h("div", { class: "stepper" }, PHASES.map((p, i) =>
      h("div", { class: "step" + (i < at ? " done" : "") + (i === at ? " current phase-current" : ""), "data-phase": p },
        h("span", { class: "n" }, "Phase " + (i + 1)), h("span", { class: "name" }, LABELS[p]))));
  }

  function progress(m) {
    const s = m.status;
    const applied = s ? s.applied + s.superseded + s.deadLettered : 0;
    const captured = s ? s.captured : 0;
    const pct = captured > 0 ? Math.min(100, (100 * applied) / captured) : (s && s.phase === "IN_SYNC" ? 100 : 0);
    const bar = h("div", { class: "bar" }, h("span", { class: "fill" }));
    bar.firstChild.style.width = pct.toFixed(1) + "%";
    return h("div", { class: "box" }, h("h3", {}, "Migration"),
      h("div", {}, "Changes handled ", h("b", {}, pct.toFixed(1) + "%")), bar,
      h("dl", { class: "kv" },
        h("dt", {}, "Migration phase"), h("dd", { class: "migration-phase" }, s ? s.phase : "not running"),
        h("dt", {}, "Items copied"), h("dd", {}, fmt(s && s.backfillItems)),
        h("dt", {}, "Changes applied"), h("dd", {}, fmt(s && s.applied)),
        h("dt", {}, "Backlog"), h("dd", {}, fmt(s && s.backlog)),
        h("dt", {}, "Dead letters"), h("dd", {}, fmt(s && s.deadLettered)),
        h("dt", {}, "Source → target"), h("dd", {}, m.served && m.served.source
          ? m.served.source.table + " → " + m.served.target.table : m.registry.source.table + " → " + m.registry.target.table)),
      directions(m));
  }

  // Both directions side by side: forward (source to target) and reverse (target to source, for failback).
  function directions(m) {
    const row = (label, pick) => [h("dt", {}, label),
      h("dd", { class: "dir-forward" }, m.status ? fmt(pick(m.status)) : "–"),
      h("dd", { class: "dir-reverse" }, m.reverseStatus ? fmt(pick(m.reverseStatus)) : "–")];
    return h("dl", { class: "kv directions" },
      h("dt", {}, ""), h("dd", {}, h("b", {}, "forward")), h("dd", {}, h("b", {}, "reverse")),
      ...row("Lag p99 (ms)", (x) => x.pipelineLagP99Millis), ...row("Backlog", (x) => x.backlog),
      ...row("Applied", (x) => x.applied), ...row("Refused", (x) => x.refused), ...row("Conflicts", (x) => x.conflicts),
      ...row("Fenced", (x) => (x.fenced ? "yes" : "no")));
  }

  function charts(m) {
    const pts = history[m.app] || [];
    const last = pts[pts.length - 1] || {};
    return h("div", { class: "box" }, h("h3", {}, "Throughput and lag"),
      chart(pts, "rate", "#4f8cff", "/s"),
      h("div", { class: "chart-title" }, h("span", {}, "changes / s"), h("b", {}, fmt(last.rate))),
      chart(pts, "lag", "#ffb547", "ms"),
      h("div", { class: "chart-title" }, h("span", {}, "lag p99 (ms)"), h("b", {}, fmt(last.lag))));
  }

  function verifyBox(m) {
    const v = m.verify;
    const run = m.verifyRun;
    const badge = !v ? h("span", { class: "badge warn" }, "never run")
      : v.status === "identical" ? h("span", { class: "badge good verify-status" }, "identical")
      : h("span", { class: "badge bad verify-status" }, v.status);
    const running = run && run.running;
    return h("div", { class: "box" }, h("h3", {}, "Verify and gates"),
      h("div", {}, "Last verify ", badge, running ? h("span", { class: "badge warn" }, " running…") : null),
      v ? h("dl", { class: "kv" },
        h("dt", {}, "Items"), h("dd", {}, fmt(v.sourceItems) + " / " + fmt(v.targetItems)),
        h("dt", {}, "Missing · extra · different"), h("dd", {}, v.missing + " · " + v.extra + " · " + v.different)) : null,
      h("ul", { class: "gates" }, (m.gates || []).map((g) =>
        h("li", { class: g.passed ? "pass" : "fail", title: g.detail || "" },
          h("span", { class: "g-name" }, g.name), h("span", { class: "g-val" }, g.value))) ),
      h("div", { class: "actions" },
        h("button", { class: "btn btn-verify", disabled: running, on: { click: () => act(m, "verify") } }, "Start verify"),
        running ? h("button", { class: "btn", on: { click: () => act(m, "verify/stop") } }, "Stop") : null));
  }

  function card(m) {
    const r = m.registry;
    return h("section", { class: "card", "data-app": m.app },
      h("div", { class: "card-head" },
        h("h2", {}, m.app),
        h("span", { class: "meta" }, "active site ", h("b", { class: "active-site" }, r.activeSite), " · version ", h("b", { class: "version" }, r.version),
          " · by " + (r.updatedBy || "?") + " at " + (r.updatedAt || "?"))),
      stepper(r.phase),
      // What the registry entry says that serve does not use (serve reads its own --app-config: decision 0120).
      ...(m.configWarnings || []).map((w) => h("div", { class: "check config-warning" }, "⚠ " + w)),
      h("div", { class: "grid" }, progress(m), charts(m), verifyBox(m)),
      h("div", { class: "card-actions" },
        h("span", { class: "muted" }, r.reason ? "Last reason: " + r.reason : ""),
        h("div", {},
          h("button", { class: "btn danger btn-rollback", disabled: !m.previous, on: { click: () => confirmChange(m, "rollback") } },
            m.previous ? "← Roll back to " + LABELS[m.previous] : "← Roll back"), " ",
          canFailBack(m) ? h("button", { class: "btn danger btn-failback", on: { click: () => confirmChange(m, "failback") } },
            "⇐ Fail back to " + LABELS.DUAL_WRITE) : null, canFailBack(m) ? " " : null,
          h("button", { class: "btn primary btn-switch", disabled: !m.next, on: { click: () => confirmChange(m, "switch") } },
            m.next ? "Switch to " + LABELS[m.next] + " →" : "Cut-over complete"))));
  }

  // Failback returns the site of record to the source from DUAL_WRITE_TARGET_READS (from TARGET_ONLY, roll back first).
  function canFailBack(m) {
    return m.registry.phase === "DUAL_WRITE_TARGET_READS";
  }

  function confirmChange(m, action) {
    if (!token()) { toast("Enter the API token first (top right).", true); $("#token").focus(); return; }
    pending = { m, action };
    const to = action === "switch" ? m.next : action === "failback" ? "DUAL_WRITE" : m.previous;
    $("#confirm-title").textContent = (action === "switch" ? "Switch " : action === "failback" ? "Fail back " : "Roll back ") + m.app + "?";
    $("#confirm-text").textContent = LABELS[m.registry.phase] + " → " + LABELS[to] + ". Applications pick the new phase up within a second.";
    const gates = $("#confirm-gates");
    const shown = action === "switch" ? m.gates : action === "failback" ? m.failbackGates : [];
    gates.replaceChildren(...((shown || []).map((g) =>
      h("li", { class: g.passed ? "pass" : "fail" }, h("span", { class: "g-name" }, g.name), h("span", { class: "g-val" }, g.value)))));
    const failing = (shown || []).some((g) => !g.passed) && action !== "rollback";
    $("#confirm-force-row").className = "check" + (failing ? "" : " hidden");
    $("#confirm-force").checked = false;
    $("#confirm-reason").value = "";
    $("#confirm-by").value = sessionStorage.getItem("cutover-by") || "";
    $("#confirm-error").textContent = "";
    $("#confirm").showModal();
  }

  async function submitConfirm(ev) {
    ev.preventDefault();
    if (!pending) return;
    const { m, action } = pending;
    // Always the phase this screen showed: a stale screen or a second click becomes a 409, never a second step.
    const by = $("#confirm-by").value || null;
    if (by) sessionStorage.setItem("cutover-by", by);
    const body = { reason: $("#confirm-reason").value || null, by, from: m.registry.phase,
      to: action === "switch" ? m.next : undefined, force: action !== "rollback" ? $("#confirm-force").checked : undefined };
    try {
      const r = await api("POST", "/api/migrations/" + encodeURIComponent(m.app) + "/" + action, body);
      $("#confirm").close();
      pending = null;
      const warnings = (r.warnings || []).join(" ");
      toast(m.app + ": " + LABELS[r.from] + " → " + LABELS[r.to] + " by " + (r.by || "?") + (r.forced ? " (forced)" : "")
        + (warnings ? ". Warning: " + warnings : ""), warnings.length > 0);
      refresh();
    } catch (e) {
      $("#confirm-error").textContent = e.message;
    }
  }

  async function act(m, what) {
    if (!token()) { toast("Enter the API token first (top right).", true); return; }
    try {
      await api("POST", "/api/migrations/" + encodeURIComponent(m.app) + "/" + what);
      toast(what === "verify" ? "Verify of " + m.app + " started" : "Verify of " + m.app + " stopped");
      refresh();
    } catch (e) { toast(e.message, true); }
  }

  async function refresh() {
    try {
      const data = await api("GET", "/api/migrations");
      $("#api-state").className = "dot ok";
      const list = data.migrations || [];
      list.forEach(remember);
      const main = $("#migrations");
      if (list.length === 0) {
        main.replaceChildren(h("p", { class: "empty muted", id: "empty" }, "No applications in the registry yet: register one with cutover registry register."));
      } else {
        main.replaceChildren(...list.map(card));
      }
    } catch (e) {
      $("#api-state").className = "dot down";
    }
  }

  $("#token-save").addEventListener("click", () => {
    const v = $("#token").value.trim();
    if (v) { sessionStorage.setItem("cutover-token", v); $("#token").value = ""; }
    $("#token-state").textContent = token() ? "token set" : "";
  });
  $("#token-state").textContent = token() ? "token set" : "";
  $("#confirm-form").addEventListener("submit", (ev) => {
    if (ev.submitter && ev.submitter.value === "cancel") { $("#confirm").close(); pending = null; ev.preventDefault(); return; }
    submitConfirm(ev);
  });
  refresh();
  setInterval(refresh, POLL_MS);
})();
