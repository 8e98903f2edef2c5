// Live wallboard: one EventSource; rings are counted here from ring_started_at (R1), so the
// server sends only changes. The fourth ring and later turn the row red (R1/R2).
(function () {
  "use strict";
  var body = document.body;
  var cycle = parseFloat(body.dataset.ringCycle) || 5;
  var ruleRings = parseInt(body.dataset.ruleRings, 10) || 3;
  var en = body.dataset.lang === "en";
  var T = en ? {ivr: "menu", waiting: "waiting", ringing: "ringing", talking: "talking", hold: "on hold",
                available: "available", paused: "paused", logged_out: "logged out", unavailable: "unavailable",
                ring: "ring ", live: "live", lost: "reconnecting…", offered: "offered", answered: "answered",
                abandoned: "abandoned", within_rule_pct: "within 3 rings", service_level_excl: "service level",
                answered_15s_pct: "answered ≤15 s", late_no_apology: "late, no apology", avg_ring: "avg ring (s)"}
            : {ivr: "语音导航", waiting: "等待", ringing: "振铃", talking: "通话", hold: "保持",
               available: "空闲", paused: "小休", logged_out: "未登录", unavailable: "不可用",
               ring: "第", live: "实时", lost: "重新连接中…", offered: "呼入", answered: "接听",
               abandoned: "放弃", within_rule_pct: "三声内接听率", service_level_excl: "服务水平",
               answered_15s_pct: "15秒接通率", late_no_apology: "超时未致歉", avg_ring: "平均振铃(秒)"};
  var calls = {}, agents = {}, offset = 0;

  function serverNow() { return Date.now() / 1000 + offset; }
  function text(el, value) { el.textContent = value == null ? "" : String(value); return el; }
  function cell(row, value, cls) { var td = text(document.createElement("td"), value); if (cls) td.className = cls; row.appendChild(td); return td; }

  function ringNumber(call) {
    if (call.ring_started_at == null) return null;
    if (call.state === "talking" || call.state === "hold") return call.rings;
    return Math.floor(Math.max(0, serverNow() - call.ring_started_at) / cycle) + 1;
  }

  function renderCalls() {
    var tbody = document.querySelector("#live-calls tbody");
    var ids = Object.keys(calls).sort(function (a, b) { return calls[a].since - calls[b].since; });
    tbody.textContent = "";
    ids.forEach(function (id) {
      var c = calls[id], n = ringNumber(c), tr = document.createElement("tr");
      tr.id = "call-" + id.replace(/[^A-Za-z0-9_-]/g, "_");
      tr.dataset.state = c.state;
      tr.className = "state-" + c.state + (n != null && n > ruleRings ? " late" : "");
      cell(tr, c.caller); cell(tr, c.queue); cell(tr, c.agent || "");
      cell(tr, T[c.state] || c.state, "state");
      cell(tr, n == null ? "" : (en ? T.ring + n : T.ring + n + "声"), "ring").dataset.ring = n == null ? "" : n;
      tbody.appendChild(tr);
    });
  }

  function renderAgents() {
    var ul = document.getElementById("agents");
    ul.textContent = "";
    Object.keys(agents).sort().forEach(function (id) {
      var a = agents[id], li = document.createElement("li");
      li.id = "agent-" + id; li.className = "agent-" + a.state; li.dataset.state = a.state;
      text(li, a.id + " " + (a.name || "") + " · " + (T[a.state] || a.state) + (a.reason ? " (" + a.reason + ")" : ""));
      ul.appendChild(li);
    });
  }

  function renderFigures(f) {
    var box = document.getElementById("today");
    if (!f) return;
    box.textContent = "";
    ["offered", "answered", "abandoned", "within_rule_pct", "service_level_excl", "answered_15s_pct",
     "late_no_apology", "avg_ring"].forEach(function (k) {
      var div = document.createElement("div"), v = f[k];
      div.className = "kpi"; div.id = "kpi-" + k;
      var big = text(document.createElement("b"), v == null ? "–" : (k.slice(-4) === "_pct" || k === "service_level_excl" ? v + "%" : v));
      div.appendChild(big); div.appendChild(text(document.createElement("span"), T[k]));
      box.appendChild(div);
    });
  }

  function addAlert(a) {
    var ul = document.getElementById("alerts"), li = document.createElement("li");
    li.className = "alert-" + a.kind; text(li, a.text);
    ul.insertBefore(li, ul.firstChild);
  }

  function renderStore(s) {  // the database or the spool in trouble: records wait (issue 11)
    var el = document.getElementById("store-health");
    var line = s && !s.ok ? (en ? s.en : s.zh) : null;
    el.hidden = !line; text(el, line);
  }

  function clock(m) { if (m.now != null) offset = m.now - Date.now() / 1000; }

  function connect() {
    var source = new EventSource("/wallboard/events");
    var status = document.getElementById("status");
    source.addEventListener("snapshot", function (e) {
      var m = JSON.parse(e.data); clock(m);
      cycle = m.ring_cycle || cycle; ruleRings = m.rule_rings || ruleRings;
      calls = {}; m.calls.forEach(function (c) { calls[c.linkedid] = c; });
      agents = {}; m.agents.forEach(function (a) { agents[a.id] = a; });
      document.getElementById("alerts").textContent = "";
      m.alerts.slice().reverse().forEach(addAlert);
      renderFigures(m.figures); renderCalls(); renderAgents(); renderStore(m.store);
      text(status, T.live); status.className = "status live";
    });
    source.addEventListener("call", function (e) { var m = JSON.parse(e.data); clock(m); calls[m.call.linkedid] = m.call; renderCalls(); });
    source.addEventListener("ended", function (e) { var m = JSON.parse(e.data); clock(m); delete calls[m.linkedid]; renderCalls(); });
    source.addEventListener("agent", function (e) { var m = JSON.parse(e.data); agents[m.agent.id] = m.agent; renderAgents(); });
    source.addEventListener("alert", function (e) { addAlert(JSON.parse(e.data).alert); });
    source.addEventListener("figures", function (e) { renderFigures(JSON.parse(e.data).figures); });
    source.addEventListener("store", function (e) { renderStore(JSON.parse(e.data).store); });
    source.onerror = function () { text(status, T.lost); status.className = "status lost"; };
  }

  connect();
  setInterval(renderCalls, 250);
})();
