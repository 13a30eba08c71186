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

  function renderLegend() {
    const legend = document.getElementById("legend");
    if (legend.childElementCount) return;
    for (const name of STATUSES.concat(STATES)) {
      legend.appendChild(el("li", {}, el("span", { class: "swatch s-" + name, "aria-hidden": "true" }), name));
    }
  }

  function formatTick(ms, span) {
    const iso = new Date(ms).toISOString();
    return span > 2 * 86400000 ? iso.slice(5, 16).replace("T", " ") : iso.slice(11, 16);
  }

  function renderTimeline(data) {
    lastTimeline = data;
    const box = document.getElementById("timeline");
    const now = Date.parse(data.now);
    const times = [now];
    for (const lane of data.instances) for (const s of lane.statuses) times.push(Date.parse(s.time));
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
    const gap = 10;
    const x = (ms) => left + ((ms - t0) / (t1 - t0)) * (width - left - right);

    const byInstance = new Map();
    for (const e of data.events) {
      if (!byInstance.has(e.instance_id)) byInstance.set(e.instance_id, []);
      byInstance.get(e.instance_id).push(e);
    }
    let rows = 0;
    for (const lane of data.instances) rows += 1 + (byInstance.get(lane.instance_id) || []).length;
    const height = 30 + rows * (rowH + 4) + data.instances.length * gap + 10;

    const title = svg("title", { id: "timeline-title" }, "Timeline of instance statuses and events");
    const desc = svg("desc", { id: "timeline-desc" },
      data.instances.length + " instances and " + data.events.length + " events from " +
      new Date(t0).toISOString() + " to " + data.now + "; the tables above list the same data.");
    const root = svg("svg", { width, height, viewBox: "0 0 " + width + " " + height, role: "img",
      "aria-labelledby": "timeline-title timeline-desc" }, title, desc);

    // axis and grid
    const ticks = 6;
    for (let i = 0; i <= ticks; i++) {
      const ms = t0 + ((t1 - t0) * i) / ticks;
      root.appendChild(svg("line", { class: "grid", x1: x(ms), x2: x(ms), y1: 20, y2: height - 5 }));
      root.appendChild(svg("text", { x: x(ms), y: 14, "text-anchor": "middle" }, formatTick(ms, t1 - t0)));
    }

    let y = 28;
    for (const lane of data.instances) {
      root.appendChild(svg("text", { class: "lane-label", x: 6, y: y + 13 }, lane.instance_id));
      lane.statuses.forEach((s, index) => {
        const start = Date.parse(s.time);
        const next = lane.statuses[index + 1];
        const end = next ? Date.parse(next.time) : (s.status === "Released" ? start : now);
        root.appendChild(svg("rect", { class: "s-" + safeClass(s.status), x: x(start), y,
          width: Math.max(3, x(end) - x(start)), height: rowH, "data-status": s.status },
          svg("title", {}, lane.instance_id + " " + s.status + " from " + s.time)));
      });
      y += rowH + 4;
      for (const e of byInstance.get(lane.instance_id) || []) {
        root.appendChild(svg("text", { class: "row-label", x: 16, y: y + 13 },
          e.event_type.length > 26 ? e.event_type.slice(0, 25) + "…" : e.event_type));
        e.history.forEach((h, index) => {
          const start = Date.parse(h.time);
          const next = e.history[index + 1];
          const end = next ? Date.parse(next.time) : (FINAL.has(h.state) ? start : now);
          root.appendChild(svg("rect", { class: "s-" + safeClass(h.state), x: x(start), y: y + 2,
            width: Math.max(4, x(end) - x(start)), height: rowH - 4, "data-event": e.event_id,
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

  async function refresh() {
    const [instances, timeline] = await Promise.all([
      api("GET", "/_sim/instances"), api("GET", "/_sim/timeline")]);
    showNow(timeline.now);
    renderInstances(instances.instances);
    renderEvents(timeline.events);
    renderTimeline(timeline);
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
    window.addEventListener("resize", () => { if (lastTimeline) renderTimeline(lastTimeline); });
    renderLegend();
    loadEventTypes().catch((error) => announce("Could not load the event types: " + error.message, "error"));
    poll();
  }

  document.addEventListener("DOMContentLoaded", setUp);
})();
