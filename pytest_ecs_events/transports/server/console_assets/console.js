// The ECS simulator console: reads and changes the account through the control API (/_sim/).
// Safety rule: text from the server (names, tags, reasons...) goes into the page as text
// nodes only (textContent, createTextNode, setAttribute of plain attributes), never as markup.
"use strict";

(function () {
  const SVG = "http://www.w3.org/2000/svg";
  const POLL_MS = 1000;
  const FINAL = new Set(["Executed", "Avoided", "Canceled", "Failed"]);
  const ACTIVE = new Set(["Scheduled", "Inquiring", "Executing"]);
  const STATUSES = ["Pending", "Starting", "Running", "Stopping", "Stopped", "Released"];
  const STATES = ["Scheduled", "Inquiring", "Executing", "Executed", "Avoided", "Canceled", "Failed"];

  let version = null;
  let connected = null;
  let busy = false;
  let lastTimeline = null;

  // ------------------------------------------------------------------ DOM helpers
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    setAttrs(node, attrs);
    append(node, children);
    return node;
  }

  function svg(tag, attrs, ...children) {
    const node = document.createElementNS(SVG, tag);
    setAttrs(node, attrs);
    append(node, children);
    return node;
  }

  function setAttrs(node, attrs) {
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value !== null && value !== undefined) node.setAttribute(name, String(value));
    }
  }

  function append(node, children) {
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
    }
  }

  function replaceRows(tbody, rows, columns, emptyText) {
    tbody.replaceChildren();
    if (rows.length === 0) {
      tbody.appendChild(el("tr", {}, el("td", { colspan: columns, class: "empty" }, emptyText)));
      return;
    }
    for (const row of rows) tbody.appendChild(row);
  }

  function announce(text, kind) {
    const region = document.getElementById("status");
    region.className = "status " + (kind || "");
    region.textContent = text;
  }

  function stateBadge(value) {
    return el("span", { class: "badge s-" + safeClass(value) }, value);
  }

  function safeClass(value) {
    return String(value).replace(/[^A-Za-z]/g, "");
  }

  // ------------------------------------------------------------------ the control API
  async function api(method, path, body) {
    const init = { method, headers: { Accept: "application/json" }, cache: "no-store" };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await fetch(path, init);
    let data = null;
    try {
      data = await response.json();
    } catch (_) {
      data = null;
    }
    if (!response.ok) {
      const code = data && data.Code ? data.Code : "HTTP " + response.status;
      const message = data && data.Message ? data.Message : response.statusText;
      throw new Error(code + ": " + message);
    }
    return data;
  }

  // ------------------------------------------------------------------ rendering
  function renderInstances(instances) {
    const rows = instances.map((i) =>
      el("tr", { "data-instance": i.instance_id },
        el("td", { class: "mono" }, i.instance_id),
        el("td", {}, i.name),
        el("td", {}, stateBadge(i.status)),
        el("td", { class: "mono" }, i.private_ip || "—"),
        el("td", { class: "mono" }, i.public_ip || "—"),
        el("td", { class: "mono" }, i.eip || "—"),
        el("td", {}, i.zone),
        el("td", {}, ...Object.entries(i.tags).map(([k, v]) => el("span", { class: "tag" }, k + "=" + v)))));
    replaceRows(document.querySelector("#instances tbody"), rows, 8, "No instances.");
    for (const select of document.querySelectorAll("select.instance-choice")) {
      const chosen = select.value;
      select.replaceChildren(...instances.map((i) =>
        el("option", { value: i.instance_id }, i.name && i.name !== i.instance_id
          ? i.instance_id + " (" + i.name + ")" : i.instance_id)));
      if (instances.some((i) => i.instance_id === chosen)) select.value = chosen;
    }
  }

  function renderEvents(events) {
    const rows = events.slice().reverse().map((e) => {
      const history = el("ol", { class: "history" },
        ...e.history.map((h) => el("li", {}, el("time", { datetime: h.time }, h.time), " ", h.state)));
      let action = null;
      if (e.simulated && (e.state === "Scheduled" || e.state === "Executing")) {
        action = el("button", { type: "button", class: "secondary", "data-cancel": e.event_id,
          "aria-label": "Cancel " + e.event_id }, "Cancel");
        action.addEventListener("click", () => cancelEvent(e.event_id, action));
      }
      return el("tr", { "data-event": e.event_id },
        el("td", { class: "mono" }, e.event_id),
        el("td", { class: "mono" }, e.instance_id),
        el("td", {}, e.event_type, e.simulated ? el("span", { class: "hint" }, " (simulated)") : null),
        el("td", {}, stateBadge(e.state)),
        el("td", {}, e.not_before ? el("time", { datetime: e.not_before }, e.not_before) : "—"),
        el("td", {}, history),
        el("td", {}, e.reason || ""),
        el("td", {}, action));
    });
    replaceRows(document.querySelector("#events tbody"), rows, 8, "No events.");
  }

  // The legend: each colour and mark of the chart, named (the chart's titles name them too).
  const LEGEND = [
    ...STATUSES.map((name) => ["s-" + name, name]),
    ...STATES.map((name) => ["s-" + name, name]),
    ["h-normal", "backend normal"],
    ["h-abnormal", "backend abnormal"],
    ["h-unavailable", "backend unavailable"],
    ["w-traffic", "gets traffic (weight > 0)"],
    ["w-drained", "drained (weight 0)"],
    ["m-ok", "command succeeded"],
    ["m-failed", "command failed or timed out"],
    ["m-stopped", "command stopped or aborted"],
    ["m-running", "command pending or running"],
  ];
  const HEALTH = new Set(["normal", "abnormal", "unavailable"]);
  const RUNNING = new Set(["Pending", "Running", "Stopping"]);
  const MAX_KEPT = 50000;
  const TEXT_ROWS = 300;

  function renderLegend() {
    const legend = document.getElementById("legend");
    if (legend.childElementCount) return;
    for (const [cls, name] of LEGEND) {
      legend.appendChild(el("li", {}, el("span", { class: "swatch " + cls, "aria-hidden": "true" }), name));
    }
  }

  function formatTick(ms, span) {
    const iso = new Date(ms).toISOString();
    return span > 2 * 86400000 ? iso.slice(5, 16).replace("T", " ") : iso.slice(11, 16);
  }

  function short(text, length) {
    return text.length > length ? text.slice(0, length - 1) + "…" : text;
  }

  // Each lane's rows, from the recorded changes: the instance's statuses, each backend
  // (a load balancer or vServer group: health and weight), its command runs, other kinds.
  function buildLanes(data, changes) {
    const lanes = new Map();
    const lane = (id) => {
      if (!lanes.has(id)) lanes.set(id, { id, name: "", instance: null, statuses: [],
        backends: new Map(), runs: new Map(), other: new Map(), events: [] });
      return lanes.get(id);
    };
    for (const i of data.instances) Object.assign(lane(i.instance_id), { name: i.name, instance: i });
    const group = (map, key) => {
      if (!map.has(key)) map.set(key, []);
      return map.get(key);
    };
    for (const c of changes) {
      if (!c.instance_id) continue;
      const l = lane(c.instance_id);
      if (c.kind === "instance") l.statuses.push(c);
      else if (c.kind === "backend" || c.kind === "weight") {
        // health verdicts name their listener (lb/group:port@80): one row per backend
        group(l.backends, c.subject.split("@")[0]).push(c);
      } else if (c.kind === "command") group(l.runs, c.subject).push(c);
      else group(l.other, c.kind + " " + c.subject).push(c);
    }
    for (const e of data.events) lane(e.instance_id).events.push(e);
    const byTime = (a, b) => Date.parse(a.time) - Date.parse(b.time);
    for (const l of lanes.values()) {
      l.statuses.sort(byTime);  // stable: the order they came in at one moment
      for (const list of [...l.backends.values(), ...l.runs.values(), ...l.other.values()]) list.sort(byTime);
      if (l.statuses.length === 0 && l.instance) {  // not recorded: what it is, since created
        l.statuses.push({ time: l.instance.creation_time || data.now, value: l.instance.status,
          summary: l.instance.instance_id + ": " + l.instance.status });
      }
    }
    return [...lanes.values()];
  }

  // Stretches of one subject's value: [{value, start, end, change}], end null while it lasts.
  function stretches(list, now, isFinal) {
    return list.map((c, index) => {
      const start = Date.parse(c.time);
      const next = list[index + 1];
      const end = next ? Date.parse(next.time) : (isFinal(c.value) ? start : now);
      return { value: c.value, start, end, change: c };
    });
  }

  // A backend's health: its verdicts, and before the first one, the health that verdict
  // changed from (a backend set up healthy has no verdict until something happens).
  function healthOf(list, now) {
    const verdicts = list.filter((c) => c.kind === "backend");
    if (verdicts.length === 0) return [];
    const first = Date.parse(list[0].time);
    const out = [];
    if (verdicts[0].old && Date.parse(verdicts[0].time) > first) {
      out.push({ value: verdicts[0].old, start: first, end: Date.parse(verdicts[0].time),
        change: { time: list[0].time, summary: "health before the first verdict: " + verdicts[0].old } });
    }
    return out.concat(stretches(verdicts, now, () => false));
  }

  function renderTimeline(data, changes) {
    lastTimeline = [data, changes];
    const box = document.getElementById("timeline");
    const now = Date.parse(data.now);
    const lanes = buildLanes(data, changes);
    const times = [now];
    for (const c of changes) if (c.instance_id) times.push(Date.parse(c.time));
    for (const l of lanes) for (const s of l.statuses) times.push(Date.parse(s.time));
    for (const e of data.events) {
      for (const h of e.history) times.push(Date.parse(h.time));
      if (e.not_before) times.push(Date.parse(e.not_before));
    }
    let t0 = Math.min(...times);
    let t1 = Math.max(...times);
    if (t1 - t0 < 3600000) t1 = t0 + 3600000;
    t1 += (t1 - t0) * 0.05;
    const width = Math.max(640, box.clientWidth - 2);
    const left = 190;
    const right = 20;
    const rowH = 18;
    const thinH = 14;
    const gap = 10;
    const x = (ms) => left + ((ms - t0) / (t1 - t0)) * (width - left - right);
    const w = (a, b, least) => Math.max(least, x(b) - x(a));

    let height = 30 + 10;
    for (const l of lanes) {
      height += rowH + 4 + gap + l.events.length * (rowH + 4) + l.backends.size * (thinH + 4) +
        (l.runs.size ? rowH + 4 : 0) + l.other.size * (thinH + 4);
    }
    const runs = lanes.reduce((n, l) => n + l.runs.size, 0);
    const backends = lanes.reduce((n, l) => n + l.backends.size, 0);
    const failures = changes.filter((c) => c.failure).length;

    const title = svg("title", { id: "timeline-title" }, "Timeline of instance statuses, events, command runs and backends");
    const desc = svg("desc", { id: "timeline-desc" },
      lanes.length + " instances, " + data.events.length + " events, " + runs + " command runs and " +
      backends + " load-balancer backends from " + new Date(t0).toISOString() + " to " + data.now +
      "; " + failures + " failures. The tables above and the timeline as text below list the same data.");
    const root = svg("svg", { width, height, viewBox: "0 0 " + width + " " + height, role: "img",
      "aria-labelledby": "timeline-title timeline-desc" }, title, desc);

    // axis and grid
    const ticks = 6;
    for (let i = 0; i <= ticks; i++) {
      const ms = t0 + ((t1 - t0) * i) / ticks;
      root.appendChild(svg("line", { class: "grid", x1: x(ms), x2: x(ms), y1: 20, y2: height - 5 }));
      root.appendChild(svg("text", { x: x(ms), y: 14, "text-anchor": "middle" }, formatTick(ms, t1 - t0)));
    }
    const label = (text, y) => root.appendChild(svg("text", { class: "row-label", x: 16, y },
      svg("title", {}, text), short(text, 24)));

    let y = 28;
    for (const l of lanes) {
      root.appendChild(svg("text", { class: "lane-label", x: 6, y: y + 13 },
        svg("title", {}, l.name && l.name !== l.id ? l.id + " (" + l.name + ")" : l.id), short(l.id, 24)));
      for (const s of stretches(l.statuses, now, (v) => v === "Released")) {
        root.appendChild(svg("rect", { class: "s-" + safeClass(s.value), x: x(s.start), y,
          width: w(s.start, s.end, 3), height: rowH, "data-status": s.value },
          svg("title", {}, l.id + " " + s.value + " from " + s.change.time)));
      }
      y += rowH + 4;
      // each backend: its health as a thin band, its traffic as a strip under it
      for (const [subject, list] of l.backends) {
        label(subject, y + 10);
        for (const h of healthOf(list, now)) {
          const bad = HEALTH.has(h.value) ? h.value !== "normal" : false;
          root.appendChild(svg("rect", { class: "h-" + safeClass(h.value) + (bad ? " failure" : ""),
            x: x(h.start), y: y + 1, width: w(h.start, h.end, bad ? 4 : 3), height: 7, "data-health": h.value,
            "data-backend": subject },
            svg("title", {}, l.id + " backend " + subject + ": " + h.value + " from " + h.change.time)));
        }
        for (const s of stretches(list.filter((c) => c.kind === "weight"), now, () => false)) {
          const drained = s.value === "0";
          root.appendChild(svg("rect", { class: drained ? "w-drained" : "w-traffic", x: x(s.start),
            y: y + 10, width: w(s.start, s.end, 2), height: 3, "data-weight": s.value, "data-backend": subject },
            svg("title", {}, l.id + " backend " + subject + ": weight " + s.value +
              (drained ? " (no traffic)" : "") + " from " + s.change.time + " (" + s.change.summary + ")")));
        }
        y += thinH + 4;
      }
      // command runs: a thin bar while it runs, a mark where it ended
      if (l.runs.size) {
        label("commands", y + 13);
        for (const [subject, list] of l.runs) {
          const last = list[list.length - 1];
          const start = Date.parse(list[0].time);
          const done = !RUNNING.has(last.value);
          const end = done ? Date.parse(last.time) : now;
          const tip = [l.id + " command run " + subject + ": " + last.value,
            ...list.map((c) => c.time + " " + c.summary)].join("\n");
          root.appendChild(svg("rect", { class: "run", x: x(start), y: y + rowH / 2 - 2,
            width: w(start, end, 2), height: 4 }, svg("title", {}, tip)));
          const kind = !done ? "m-running" : last.failure ? "m-failed"
            : last.value === "Success" ? "m-ok" : "m-stopped";
          const mx = x(end);
          const my = y + rowH / 2;
          const r = kind === "m-failed" ? 7 : 5;
          const attrs = { class: "mark " + kind + (last.failure ? " failure" : ""), "data-command": subject,
            "data-command-status": last.value };
          const shape = kind === "m-ok" || kind === "m-running"
            ? svg("circle", { ...attrs, cx: mx, cy: my, r }, svg("title", {}, tip))
            : svg("polygon", { ...attrs, points: [mx, my - r, mx + r, my, mx, my + r, mx - r, my].join(" ") },
              svg("title", {}, tip));
          root.appendChild(shape);
        }
        y += rowH + 4;
      }
      // any other kind: a bar per value
      for (const [key, list] of l.other) {
        label(key, y + 10);
        for (const s of stretches(list, now, () => false)) {
          root.appendChild(svg("rect", { class: "other" + (s.change.failure ? " failure" : ""), x: x(s.start),
            y: y + 1, width: w(s.start, s.end, 3), height: thinH - 2, "data-value": s.value },
            svg("title", {}, l.id + " " + key + ": " + s.value + " from " + s.change.time)));
        }
        y += thinH + 4;
      }
      for (const e of l.events) {
        label(e.event_type, y + 13);
        e.history.forEach((h, index) => {
          const start = Date.parse(h.time);
          const next = e.history[index + 1];
          const end = next ? Date.parse(next.time) : (FINAL.has(h.state) ? start : now);
          root.appendChild(svg("rect", { class: "s-" + safeClass(h.state), x: x(start), y: y + 2,
            width: w(start, end, 4), height: rowH - 4, "data-event": e.event_id,
            "data-state": h.state },
            svg("title", {}, e.event_id + " " + e.event_type + ": " + h.state + " at " + h.time)));
        });
        if (e.not_before) {
          const nx = x(Date.parse(e.not_before));
          const my = y + rowH / 2;
          root.appendChild(svg("polygon", { class: "not-before",
            points: [nx, my - 6, nx + 6, my, nx, my + 6, nx - 6, my].join(" ") },
            svg("title", {}, e.event_id + " NotBefore " + e.not_before)));
        }
        y += rowH + 4;
      }
      y += gap;
    }
    root.appendChild(svg("line", { class: "now", x1: x(now), x2: x(now), y1: 20, y2: height - 5 },
      svg("title", {}, "now: " + data.now)));
    box.replaceChildren(root);
    renderChangesText(changes);
  }

  // The chart as text: the newest changes in a table (the tables above hold the events).
  function renderChangesText(changes) {
    const shown = changes.slice(-TEXT_ROWS).reverse();
    const rows = shown.map((c) => el("tr", c.failure ? { class: "failure" } : {},
      el("td", {}, el("time", { datetime: c.time }, c.time)),
      el("td", { class: "mono" }, c.instance_id || "—"),
      el("td", {}, c.kind),
      el("td", { class: "mono" }, c.subject),
      el("td", {}, c.value === null ? "—" : c.value, c.failure ? el("strong", {}, " (failure)") : null)));
    replaceRows(document.querySelector("#changes tbody"), rows, 5, "Nothing recorded.");
    const older = changes.length - shown.length;
    document.getElementById("changes-count").textContent = changes.length + " change" +
      (changes.length === 1 ? "" : "s") + (older ? ", the newest " + shown.length + " shown" : "");
  }

  // ------------------------------------------------------------------ refreshing
  function setConnected(ok) {
    if (connected === ok) return;
    connected = ok;
    const badge = document.getElementById("connection");
    badge.textContent = ok ? "live" : "connection lost: retrying";
    badge.className = "connection" + (ok ? "" : " lost");
  }

  function showNow(now) {
    const node = document.getElementById("now");
    node.textContent = now;
    node.setAttribute("datetime", now);
  }

  // The timeline's changes are kept here and fetched from where the last answer ended.
  const kept = { cursor: null, changes: [] };

  async function fetchTimeline() {
    let answer;
    for (let round = 0; round < 100; round++) {
      const query = kept.cursor ? "?since=" + encodeURIComponent(kept.cursor) : "";
      answer = await api("GET", "/_sim/timeline" + query);
      if (answer.full) kept.changes = [];
      for (const c of answer.changes) kept.changes.push(c);
      kept.cursor = answer.cursor;
      if (!answer.more) break;
    }
    if (kept.changes.length > MAX_KEPT) kept.changes = kept.changes.slice(-MAX_KEPT);
    return answer;
  }

  async function refresh() {
    const [instances, timeline] = await Promise.all([api("GET", "/_sim/instances"), fetchTimeline()]);
    showNow(timeline.now);
    renderInstances(instances.instances);
    renderEvents(timeline.events);
    renderTimeline(timeline, kept.changes);
    document.body.setAttribute("data-version", version || "");
  }

  async function poll() {
    try {
      if (!document.hidden && !busy) {
        const answer = await api("GET", "/_sim/version");
        setConnected(true);
        showNow(answer.now);
        if (answer.version !== version) {
          version = answer.version;
          await refresh();
        }
      }
    } catch (_) {
      setConnected(false);
    }
    window.setTimeout(poll, POLL_MS);
  }

  async function loadEventTypes() {
    const answer = await api("GET", "/_sim/event-types");
    const simulated = document.getElementById("simulate-type");
    const injected = document.getElementById("inject-type");
    simulated.replaceChildren(...answer.event_types.filter((t) => t.simulatable)
      .map((t) => el("option", { value: t.name }, t.name)));
    injected.replaceChildren(...answer.event_types.map((t) => el("option", { value: t.name }, t.name)));
    simulated.value = "SystemMaintenance.Reboot";
    injected.value = "SystemMaintenance.Reboot";
  }

  // ------------------------------------------------------------------ forms
  // Do one change, repaint, then announce it (so the page is current when it is heard).
  async function run(button, work) {
    busy = true;
    if (button) button.disabled = true;
    let message;
    let kind = "ok";
    try {
      message = await work();
    } catch (error) {
      message = "Refused: " + error.message;
      kind = "error";
    }
    try {
      const answer = await api("GET", "/_sim/version");
      version = answer.version;
      await refresh();
    } catch (_) {
      setConnected(false);
    } finally {
      if (button) button.disabled = false;
      busy = false;
    }
    announce(message, kind);
  }

  function fields(form) {
    const values = {};
    for (const [name, value] of new FormData(form).entries()) {
      if (String(value).trim() !== "") values[name] = String(value).trim();
    }
    return values;
  }

  function cancelEvent(eventId, button) {
    run(button, async () => {
      const answer = await api("POST", "/_sim/events/cancel", { event_ids: [eventId] });
      return "Event " + eventId + " is " + answer.events[0].state + ".";
    });
  }

  function wire(id, work) {
    const form = document.getElementById(id);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      run(form.querySelector("button[type=submit]"), () => work(fields(form)));
    });
  }

  function setUp() {
    wire("advance-form", async (values) => {
      const answer = await api("POST", "/_sim/advance", { by: values.by });
      const n = answer.transitions.length;
      return "The clock is at " + answer.now + "; " + n + " event change" + (n === 1 ? "" : "s") + ".";
    });
    wire("simulate-form", async (values) => {
      const answer = await api("POST", "/_sim/events", { simulated: true, event_type: values.event_type,
        instance_ids: [values.instance_id], not_before: values.not_before });
      const e = answer.events[0];
      return "Created " + e.event_id + " (" + e.event_type + ", " + e.state + ") on " + e.instance_id + ".";
    });
    wire("inject-form", async (values) => {
      const answer = await api("POST", "/_sim/events", values);
      const e = answer.events[0];
      return "Injected " + e.event_id + " (" + e.event_type + ", " + e.state + ") on " + e.instance_id + ".";
    });
    wire("instance-form", async (values) => {
      const answer = await api("POST", "/_sim/instances/" + values.action, { instance_id: values.instance_id });
      return values.instance_id + ": " + values.action + " accepted, now " + answer.instance.status + ".";
    });
    window.addEventListener("resize", () => { if (lastTimeline) renderTimeline(...lastTimeline); });
    renderLegend();
    loadEventTypes().catch((error) => announce("Could not load the event types: " + error.message, "error"));
    poll();
  }

  document.addEventListener("DOMContentLoaded", setUp);
})();
