// Live wallboard: one EventSource; rings are counted here from ring_started_at (R1), in the PBX's
// time (its clock may run faster: pbxsim's speed), so the server sends only changes. A ringing or
// waiting call turns red from the fourth ring (R1/R2); once answered it keeps only a red mark.
// Per-queue tiles sit on top; the live list shows the longest waits first, at most MAX_ROWS.
(function () {
  "use strict";
  var body = document.body;
  var cycle = parseFloat(body.dataset.ringCycle) || 5;
  var ruleRings = parseInt(body.dataset.ruleRings, 10) || 3;
  var en = body.dataset.lang === "en";
  // The words come from the catalogues (callcenter/words), rendered into the page by the server.
  var W = JSON.parse(document.getElementById("words").textContent);
  function fill(template, n) { return template.replace("%(num)s", n); }
  var MAX_ROWS = 20, WAITING = {waiting: 1, ringing: 1}, BUSY = {ringing: 1, talking: 1, listening: 1};
  var calls = {}, agents = {}, queues = [], figures = null, pbxAt = null, wallAt = 0, rate = 1;

  function serverNow() {
    var wall = Date.now() / 1000;
    return pbxAt == null ? wall : pbxAt + (wall - wallAt) * rate;
  }
  function text(el, value) { el.textContent = value == null ? "" : String(value); return el; }
  function cell(row, value, cls) { var td = text(document.createElement("td"), value); if (cls) td.className = cls; row.appendChild(td); return td; }

  function ringNumber(call) {
    if (call.ring_started_at == null) return null;
    if (call.state === "talking" || call.state === "hold") return call.rings;
    return Math.floor(Math.max(0, serverNow() - call.ring_started_at) / cycle) + 1;
  }

  function percent(v) { return Number(v).toFixed(1) + "%"; }  // as the report page writes it

  function waitOf(c) { return Math.max(0, serverNow() - c.since); }

  // Waiting and ringing calls first, longest wait first; then the others, oldest first.
  function byUrgency(a, b) {
    var wa = WAITING[a.state] ? 0 : 1, wb = WAITING[b.state] ? 0 : 1;
    return wa !== wb ? wa - wb : a.since - b.since;
  }

  function renderCalls() {
    var tbody = document.querySelector("#live-calls tbody");
    var list = Object.keys(calls).map(function (id) { return calls[id]; }).sort(byUrgency);
    tbody.textContent = "";
    list.slice(0, MAX_ROWS).forEach(function (c) {
      var n = ringNumber(c), tr = document.createElement("tr"), late = n != null && n > ruleRings;
      tr.id = "call-" + c.linkedid.replace(/[^A-Za-z0-9_-]/g, "_");
      tr.dataset.state = c.state;
      tr.className = "state-" + c.state + (late ? (WAITING[c.state] ? " late" : " answered-late") : "");
      cell(tr, c.caller); cell(tr, queueName(c.queue)); cell(tr, c.agent || "");
      cell(tr, W.call_state[c.state] || c.state, "state");
      cell(tr, n == null ? "" : fill(W.ring, n), "ring").dataset.ring = n == null ? "" : n;
      if (window.ListenIn) {  // supervisors: listen / whisper / barge on a call in conversation
        var spy = cell(tr, "", "spy-cell");
        if (c.state === "talking" || c.state === "hold") spy.appendChild(window.ListenIn.row(c.linkedid));
      }
      tbody.appendChild(tr);
      var said = liveWords(c);  // issue 17: both sides' latest words while the call is up
      if (said) {
        var sub = document.createElement("tr"), td = text(document.createElement("td"), said);
        sub.className = "live-words"; sub.dataset.linkedid = c.linkedid;
        td.colSpan = tr.children.length; sub.appendChild(td); tbody.appendChild(sub);
      }
    });
    if (!list.length) {  // an empty section says what is empty
      var none = document.createElement("tr"), td = text(document.createElement("td"), W.no_calls);
      td.colSpan = 6; td.className = "empty"; none.appendChild(td); tbody.appendChild(none);
    }
    var more = document.getElementById("more-calls");
    more.hidden = list.length <= MAX_ROWS;
    text(more, list.length > MAX_ROWS ? fill(W.more, list.length - MAX_ROWS) : "");
    renderQueues();
  }

  function liveWords(c) {
    var w = c.words || {}, parts = [];
    if (w.caller) parts.push(W.words_caller + "：" + w.caller);
    if (w.agent) parts.push(W.words_agent + "：" + w.agent);
    if (!parts.length && c.live === "after_call") parts.push(W.after_call);
    return parts.join("　");
  }

  function queueName(id) {
    var q = queues.filter(function (x) { return x.queue === id; })[0];
    return q ? q.name : (id || "");
  }

  function tileFigure(box, cls, value, label) {
    var div = document.createElement("div");
    div.className = "q-" + cls;
    div.appendChild(text(document.createElement("b"), value));
    div.appendChild(text(document.createElement("span"), label));
    box.appendChild(div);
  }

  // One tile per queue: its calls waiting, the longest wait, its agents free / on calls / paused,
  // and today's share answered within three rings (the report's figure, sent by the server).
  function renderQueues() {
    var box = document.getElementById("queues");
    box.textContent = "";
    queues.forEach(function (q) {
      var waiting = [], free = 0, busy = 0, paused = 0;
      Object.keys(calls).forEach(function (id) {
        var c = calls[id];
        if (c.queue === q.queue && WAITING[c.state]) waiting.push(waitOf(c));
      });
      q.agents.forEach(function (id) {
        var a = agents[id], s = a ? a.state : "logged_out";
        if (s === "available") free += 1; else if (BUSY[s]) busy += 1; else if (s === "paused") paused += 1;
      });
      var today = figures && figures.queues ? figures.queues[q.queue] : null;
      var pct = today && today.within_rule_pct != null ? percent(today.within_rule_pct) : "–";
      var tile = document.createElement("div");
      tile.className = "queue-tile"; tile.id = "queue-" + q.queue; tile.dataset.queue = q.queue;
      tile.appendChild(text(document.createElement("h3"), q.name));
      tileFigure(tile, "waiting", waiting.length, W.queue_waiting);
      tileFigure(tile, "longest", waiting.length ? Math.round(Math.max.apply(null, waiting)) + W.seconds : "–", W.longest);
      tileFigure(tile, "agents", free + " / " + busy + " / " + paused, W.free + " / " + W.busy + " / " + W.paused);
      tileFigure(tile, "within", pct, W.kpi.within_rule_pct);
      box.appendChild(tile);
    });
  }

  function renderAgents() {
    var ul = document.getElementById("agents");
    ul.textContent = "";
    Object.keys(agents).sort().forEach(function (id) {
      var a = agents[id], li = document.createElement("li");
      li.id = "agent-" + id; li.className = "agent-" + a.state; li.dataset.state = a.state;
      text(li, a.id + " " + (a.name || "") + " · " + (W.agent_state[a.state] || a.state) + (a.reason ? " (" + a.reason + ")" : ""));
      ul.appendChild(li);
    });
  }

  function renderFigures(f) {
    var box = document.getElementById("today");
    if (!f) return;
    figures = f;
    box.textContent = "";
    ["offered", "answered", "abandoned", "within_rule_pct", "service_level_excl", "answered_15s_pct",
     "late_no_apology", "avg_ring"].forEach(function (k) {
      var div = document.createElement("div"), v = f[k];
      div.className = "kpi"; div.id = "kpi-" + k;
      var big = text(document.createElement("b"), v == null ? "–" : (k.slice(-4) === "_pct" || k === "service_level_excl" ? percent(v) : v));
      div.appendChild(big); div.appendChild(text(document.createElement("span"), W.kpi[k]));
      box.appendChild(div);
    });
  }

  function addAlert(a) {
    var ul = document.getElementById("alerts"), li = document.createElement("li");
    li.className = "alert-" + a.kind; text(li, a.text);
    if (window.ListenIn && a.linkedid) li.appendChild(window.ListenIn.make(a.linkedid));  // a call's alert
    ul.insertBefore(li, ul.firstChild);
    document.getElementById("no-alerts").hidden = true;
  }

  function renderStore(s) {  // the database or the spool in trouble: records wait (issue 11)
    var el = document.getElementById("store-health");
    var line = s && !s.ok ? (en ? s.en : s.zh) : null;
    el.hidden = !line; text(el, line);
  }

  function clock(m) { if (m.now != null) { pbxAt = m.now; wallAt = Date.now() / 1000; } }

  function connect() {
    var source = new EventSource("/wallboard/events");
    var status = document.getElementById("status");
    source.addEventListener("snapshot", function (e) {
      var m = JSON.parse(e.data); clock(m);
      cycle = m.ring_cycle || cycle; ruleRings = m.rule_rings || ruleRings;
      rate = m.clock_rate || 1; queues = m.queues || [];
      calls = {}; m.calls.forEach(function (c) { calls[c.linkedid] = c; });
      agents = {}; m.agents.forEach(function (a) { agents[a.id] = a; });
      document.getElementById("alerts").textContent = "";
      document.getElementById("no-alerts").hidden = m.alerts.length > 0;
      m.alerts.slice().reverse().forEach(addAlert);
      renderFigures(m.figures); renderCalls(); renderAgents(); renderStore(m.store);
      text(status, W.live); status.className = "status live";
    });
    source.addEventListener("transcript", function (e) {
      var m = JSON.parse(e.data), c = calls[m.linkedid];
      if (!c) return;
      c.words = c.words || {}; c.words[m.side] = m.text; renderCalls();
    });
    source.addEventListener("call", function (e) { var m = JSON.parse(e.data); clock(m); calls[m.call.linkedid] = m.call; renderCalls(); });
    source.addEventListener("ended", function (e) { var m = JSON.parse(e.data); clock(m); delete calls[m.linkedid];
      if (window.ListenIn) window.ListenIn.forget(m.linkedid);
      renderCalls(); });
    source.addEventListener("agent", function (e) { var m = JSON.parse(e.data); agents[m.agent.id] = m.agent; renderAgents(); renderQueues(); });
    source.addEventListener("alert", function (e) { addAlert(JSON.parse(e.data).alert); });
    source.addEventListener("figures", function (e) { renderFigures(JSON.parse(e.data).figures); renderQueues(); });
    source.addEventListener("store", function (e) { renderStore(JSON.parse(e.data).store); });
    source.onerror = function () { text(status, W.lost); status.className = "status lost"; };
  }

  connect();
  setInterval(renderCalls, 250);
})();
