// The agent's desk: live state, screen pop (R15), the fourth-ring reminder (R1/R2), the ticket
// being worked on (R4, R14), callbacks, click to call and the agent's own quality.
// Chinese first; ?lang=en switches the labels. Nothing is loaded from elsewhere.
(function () {
  "use strict";
  const root = document.getElementById("desk");
  if (!root) return;
  const agentId = root.dataset.agent;
  const en = (new URLSearchParams(location.search).get("lang") || document.documentElement.lang || "")
    .startsWith("en");
  const T = en ? {
    logged_out: "Logged out", available: "Available", ringing: "Ringing", talking: "Talking",
    paused: "Paused", unavailable: "Phone offline", ring: (n) => `Ring ${n}`, none: "None",
    unknown_caller: "Unknown caller", answered: "answered", missed: "not answered", saved: "Saved",
    confirmed: "Ticket confirmed", calling: "Calling…", call_ok: "Call connected", call_failed: "Call failed: ",
    draft_arrived: "Draft ticket from the call has arrived: please check and confirm", due: "due",
    ended: "Call ended", owner: "Owner", history_error: "History unavailable", missing: "Missing: ",
    reason_needed: "A reason is required", rate: "Three-ring rate",
    opened: "Ticket opened for this call", merged: "The call's draft was merged into your ticket: please check what differs",
    adopt: "Use the draft's", keep: "Keep mine", yes: "yes", no: "no",
    differs: (label, mine, theirs) => `${label}: ticket "${mine}", draft "${theirs}"`,
    continue_matter: "This call is about it", open_after: "Open a ticket for the call just ended",
    ask_category: (a, b) => `Kind of matter unsure: ${a} or ${b}? Please check with the caller`,
  } : {
    logged_out: "未签入", available: "空闲", ringing: "振铃中", talking: "通话中", paused: "暂停",
    unavailable: "话机离线", ring: (n) => `第${n}声`, none: "无", unknown_caller: "未知来电",
    answered: "已接通", missed: "未接通", saved: "已保存", confirmed: "工单已确认", calling: "正在呼叫…",
    call_ok: "呼叫已接通", call_failed: "呼叫失败：", draft_arrived: "通话工单草稿已生成，请核对后确认",
    due: "截止", ended: "通话结束", owner: "负责人", history_error: "历史记录暂时无法读取",
    missing: "缺少：", reason_needed: "必须填写原因", rate: "三声接听率",
    opened: "已为本次通话开工单", merged: "通话草稿已合并到您的工单，请核对标出的差异",
    adopt: "采用草稿", keep: "保留工单", yes: "是", no: "否",
    differs: (label, mine, theirs) => `${label}：工单「${mine}」 草稿「${theirs}」`,
    continue_matter: "本次来电为此事项", open_after: "为刚结束的通话开工单",
    ask_category: (a, b) => `类别不确定：${a}还是${b}？请与来电人确认`,
  };
  const $ = (id) => document.getElementById(id);
  // Internal values (kinds of matter, statuses, callback reasons, desk actions) in words, from the
  // catalogues (callcenter/words), rendered into the page by the server.
  const W = JSON.parse(($("desk-words") || {}).textContent || "{}");
  const say = (kind, value) => (W[kind] && W[kind][value]) || value || "";
  // Times in the hotline's zone, whatever the browser's own: the API's instants are read as
  // instants (never sliced as text), shown and entered as the centre's wall-clock time.
  const zone = root.dataset.timezone || "Asia/Shanghai";
  const zoneFormat = new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit",
    day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });
  function zoneParts(ms) {
    const p = {};
    zoneFormat.formatToParts(new Date(ms)).forEach((x) => { p[x.type] = x.value; });
    return p;
  }
  function wallClock(iso) {  // "2026-11-24T14:42:00+00:00" -> "2026-11-24T22:42:00" in Asia/Shanghai
    if (!iso) return "";
    const p = zoneParts(Date.parse(iso));
    return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}`;
  }
  const localTime = (iso) => wallClock(iso).slice(0, 16).replace("T", " ");
  function zoneInstant(wall) {  // the centre's wall-clock "2026-11-25T09:30" -> an ISO instant
    const guess = Date.parse(`${wall.length === 16 ? wall + ":00" : wall}Z`);
    const p = zoneParts(guess);
    const offset = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second) - guess;
    return new Date(guess - offset).toISOString();
  }
  const q = (path) => `${path}${path.includes("?") ? "&" : "?"}agent=${encodeURIComponent(agentId)}`;
  let ringTimer = null;
  let currentTicket = null;
  let deskCall = null;  // the call answered at this desk (during it, and after it until the next one)
  const openedHere = new Set();  // tickets opened at this desk: their "created" is no draft

  function text(el, value) { el.textContent = value == null || value === "" ? "—" : String(value); }
  function item(parent, label, extra) {
    const li = document.createElement("li");
    li.textContent = label;
    if (extra) li.appendChild(extra);
    parent.appendChild(li);
    return li;
  }
  function notify(message, isError) {
    const box = $(isError ? "desk-error" : "desk-notice");
    box.textContent = message;
    box.hidden = !message;
  }

  // CSRF: every post carries the session's token (the page's <meta name="csrf-token">).
  const csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  async function api(path, body) {
    const init = body === undefined ? {} : {
      method: "POST", headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body),
    };
    const response = await fetch(q(path), init);
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      const message = data.error || data.detail || response.statusText;
      notify(typeof message === "string" ? message : JSON.stringify(message), true);
      throw new Error(message);
    }
    // Only the agent's next action that succeeds clears an error: a background refresh finishing
    // after it must not hide what the telephone system refused.
    if (body !== undefined) notify("", true);
    return data;
  }

  // --- state ------------------------------------------------------------------------------
  function showState(s) {
    const badge = $("state-badge");
    badge.dataset.state = s.state;
    badge.textContent = (T[s.state] || s.state) + (s.paused && s.reason ? `（${s.reason}）` : "");
    text($("state-queues"), (s.queues || []).map((q) => say("queue", q)).join(", "));
    $("btn-login").disabled = s.queues && s.queues.length > 0;
    $("btn-logout").disabled = !(s.queues && s.queues.length > 0);
    $("btn-resume").disabled = !s.paused;
  }
  function sendState(action, reason) {
    return api("/desk/api/state", { action, reason }).catch(() => {});
  }

  // --- screen pop -------------------------------------------------------------------------
  function ringNumber(pop) {
    return Math.floor(Math.max(Date.now() / 1000 - pop.ring_started_at, 0) / pop.ring_cycle) + 1;
  }
  function showPop(pop) {
    $("pop").hidden = false;
    $("pop").dataset.phase = pop.phase;
    const card = pop.card || {};
    text($("pop-name"), card.name || T.unknown_caller);
    text($("pop-caller"), pop.caller);
    text($("pop-address"), card.address);
    text($("pop-department"), pop.department);
    $("pop-history-error").hidden = !pop.card_error;
    fillList($("pop-tickets"), card.open_tickets, (t) =>
      `#${t.id} ${say("category", t.category)}${t.urgent ? " ⚠" : ""} ${t.summary} · ${T.owner} ${t.owner || T.none}`);
    fillList($("pop-calls"), card.last_calls, (c) =>
      `${localTime(c.started_at)} ${c.answered ? T.answered : T.missed}` +
      (c.talk_seconds && c.talk_text ? ` ${en ? c.talk_text.en : c.talk_text.zh}` : ""));
    fillList($("pop-callbacks"), card.callbacks, (c) => `${say("callback_reason", c.reason)} · ${T.due} ${localTime(c.due_at)}`);
    if (pop.phase === "talking") {
      deskCall = { linkedid: pop.linkedid, matters: card.open_tickets || [], ended: false };
      showOpenTicket();
      // R14: a call about one of the caller's open matters joins it instead of a second ticket.
      Array.from($("pop-tickets").children).forEach((li, i) => {
        const matter = (card.open_tickets || [])[i];
        if (matter) li.appendChild(button(T.continue_matter, () => openTicket(matter.id)));
      });
    }
    clearInterval(ringTimer);
    if (pop.phase === "ringing") {
      const tick = () => text($("pop-ring"), T.ring(ringNumber(pop)));
      tick();
      ringTimer = setInterval(tick, 250);
    } else {
      text($("pop-ring"), T[pop.phase] || pop.phase);
    }
  }
  function fillList(list, rows, label) {
    list.replaceChildren();
    if (!rows || rows.length === 0) { item(list, T.none); return; }
    rows.forEach((row) => item(list, label(row)));
  }
  function showOpenTicket() {
    const b = $("btn-open-ticket");
    b.hidden = !deskCall;
    if (deskCall) b.textContent = deskCall.ended ? T.open_after : b.dataset.label;
  }
  async function openTicket(matter) {
    if (!deskCall) return;
    const path = `/desk/api/calls/${encodeURIComponent(deskCall.linkedid)}/ticket`;
    const data = await api(path, { matter: matter == null ? null : matter }).catch(() => null);
    if (!data || !data.ticket) return;
    openedHere.add(data.ticket.id);
    showTicket(data.ticket, true);
    notify(T.opened, false);
    loadTickets();
  }
  function clearPop() {
    clearInterval(ringTimer);
    $("pop").hidden = true;
    $("apology").hidden = true;
  }
  function showApology(data) {
    const box = $("apology");
    box.textContent = en ? data.text_en : data.text;
    box.hidden = false;
  }

  // --- tickets ----------------------------------------------------------------------------
  const FIELDS = ["caller_name", "address", "phone", "category", "summary", "preferred_time", "department"];
  function showTicket(t, replace) {
    // The same ticket again (a merge, another desk's change): what the agent is typing stays.
    const keepTyped = !replace && currentTicket && currentTicket.id === t.id;
    currentTicket = t;
    const form = $("ticket-form");
    form.hidden = false;
    text($("ticket-id"), `#${t.id} · ${say("ticket_status", t.status)}`);
    text($("ticket-owner"), t.owner);
    const differs = (t.draft_differences || []).map((d) => d.field);
    FIELDS.forEach((name) => {
      const input = form.elements[name];
      if (!input) return;
      if (!(keepTyped && input.dataset.typed)) { input.value = t[name] == null ? "" : t[name]; delete input.dataset.typed; }
      input.classList.toggle("missing", (t.missing || []).includes(name));
      input.classList.toggle("differs", differs.includes(name));
    });
    form.elements.urgent.checked = !!t.urgent;
    showDifferences(t);
    showMatters(t);
    const choices = t.category_choices || [];
    const label = (c) => (form.elements.category.querySelector(`option[value="${c}"]`) || {}).textContent || c;
    text($("ticket-category-ask"), choices.length === 2 ? T.ask_category(label(choices[0]), label(choices[1])) : "");
    $("ticket-category-ask").hidden = choices.length !== 2;
    form.elements.visit_at.value = t.visit_at ? wallClock(t.visit_at).slice(0, 16) : "";
    text($("ticket-missing"), (t.missing || []).length ? T.missing + t.missing.map(fieldLabel).join("、") : "");
    $("ticket-missing").hidden = !(t.missing || []).length;
    fillList($("ticket-owner-changes"), t.owner_changes, (c) => `${c.from || "—"} → ${c.to}: ${c.reason}`);
  }
  function fieldLabel(name) {
    const input = $("ticket-form").elements[name];
    const label = input && input.closest("label");
    // the label's own words, not the texts of a select's options
    const words = label && Array.from(label.childNodes).find((n) => n.nodeType === 3 && n.textContent.trim());
    return words ? words.textContent.trim() : name;
  }
  function shownValue(name, value) {
    if (name === "urgent") return value ? T.yes : T.no;
    if (name === "category") {
      const option = $("ticket-form").elements.category.querySelector(`option[value="${value}"]`);
      return option ? option.textContent : value;
    }
    return value == null || value === "" ? "—" : String(value);
  }
  function showDifferences(t) {
    const box = $("ticket-differences");
    const list = box.querySelector("ul");
    list.replaceChildren();
    (t.draft_differences || []).forEach((d) => {
      const li = item(list, T.differs(fieldLabel(d.field), shownValue(d.field, d.ticket),
        shownValue(d.field, d.draft)));
      li.dataset.field = d.field;
      if (d.field !== "urgent") li.appendChild(button(T.adopt, () => ticketAction("/adopt", { field: d.field }, T.saved)));
      li.appendChild(button(T.keep, () => ticketAction("/keep", { field: d.field }, T.saved)));
    });
    box.hidden = !(t.draft_differences || []).length;
  }
  function showMatters(t) {
    // R15: the caller's other open matters beside the ticket opened for this call.
    const box = $("ticket-matters");
    const list = box.querySelector("ul");
    list.replaceChildren();
    const others = deskCall && openedHere.has(t.id) ? deskCall.matters.filter((m) => m.id !== t.id) : [];
    others.forEach((m) => item(list, `#${m.id} ${shownValue("category", m.category)} ${m.summary || ""}`));
    box.hidden = !others.length;
  }
  function formFields() {
    const form = $("ticket-form");
    const out = {};
    FIELDS.forEach((name) => { if (form.elements[name]) out[name] = form.elements[name].value || null; });
    out.urgent = form.elements.urgent.checked;
    const visit = form.elements.visit_at.value;
    out.visit_at = visit ? zoneInstant(visit) : null;
    return out;
  }
  async function ticketAction(path, body, message) {
    if (!currentTicket) return;
    const data = await api(`/desk/api/tickets/${currentTicket.id}${path}`, body).catch(() => null);
    if (data && data.ticket) { showTicket(data.ticket, true); notify(message, false); loadTickets(); }
  }
  async function loadTickets() {
    const rows = await api("/desk/api/tickets").catch(() => []);
    const list = $("my-tickets");
    list.replaceChildren();
    if (!rows.length) item(list, T.none);
    rows.forEach((t) => {
      const open = button(`#${t.id}`, () => showTicket(t, true));
      const li = item(list, ` ${say("category", t.category)}${t.urgent ? " ⚠" : ""} ${t.summary || ""} `, open);
      li.prepend(open);
      li.appendChild(button(en ? "Call" : "拨打", () => call({ ticket_id: t.id })));
      if ((t.missing || []).length) li.classList.add("has-missing");
    });
  }
  async function loadCallbacks() {
    const rows = await api("/desk/api/callbacks").catch(() => []);
    const list = $("my-callbacks");
    list.replaceChildren();
    if (!rows.length) item(list, T.none);
    rows.forEach((c) => {
      const li = item(list, `${say("callback_reason", c.reason)} · ${c.caller || ""} · ${T.due} ${localTime(c.due_at)} `);
      li.appendChild(button(en ? "Call" : "拨打", () => call({ callback_id: c.id })));
    });
  }
  function button(label, onClick) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = label;
    b.addEventListener("click", onClick);
    return b;
  }
  async function call(target) {
    notify(T.calling, false);
    const data = await api("/desk/api/call", target).catch(() => null);
    if (data) $("call-status").textContent = `${T.calling} ${data.action_id}`;
  }

  // --- quality and audit ------------------------------------------------------------------
  async function loadQuality() {
    const data = await api("/desk/api/quality").catch(() => null);
    if (!data) return;
    // The report's 三声内接听率, written as the report page writes it (one decimal).
    const pct = (v) => `${Number(v).toFixed(1)}%`;
    const rows = [["three_ring_pct", pct], ["answered", String], ["late", String],
      ["hung_up_first", String], ["findings", String]];
    rows.forEach(([name, fmt]) => {
      text($(`q-own-${name}`), data.own[name] == null ? "—" : fmt(data.own[name]));
      text($(`q-team-${name}`), data.team[name] == null ? "—" : fmt(data.team[name]));
    });
  }
  async function loadAudit() {
    const rows = await api("/desk/api/audit").catch(() => []);
    fillList($("audit"), rows, (r) => `${wallClock(r.at).slice(11, 19)} ${r.actor}${r.actor_role === "supervisor" ? "（主管）" : ""}` +
      ` ${say("desk_action", r.action)} ${r.ok ? "✓" : "✗ " + (r.error || "")}`);
  }

  // --- the call's words as they come (issue 17) -----------------------------------------------
  // One line per utterance and side; the side's unfinished utterance is replaced as it grows.
  let liveCall = null;
  const openLine = {};
  function liveFor(linkedid) {
    if (liveCall === linkedid) return;
    liveCall = linkedid;
    $("live-lines").replaceChildren();
    $("live-fields").replaceChildren();
    $("live-status").hidden = true;
    delete openLine.caller; delete openLine.agent;
    $("live").hidden = false;
  }
  function showWords(w) {
    liveFor(w.linkedid);
    let li = openLine[w.side];
    if (!li) {
      li = document.createElement("li");
      li.className = `said-${w.side}`;
      $("live-lines").appendChild(li);
      openLine[w.side] = li;
    }
    const who = w.side === "caller" ? (en ? "Caller" : "客户") : (en ? "Agent" : "坐席");
    li.textContent = `${who}：${w.text}`;
    li.classList.toggle("partial", !w.final);
    if (w.final) delete openLine[w.side];
  }
  function showLiveStatus(s) {
    liveFor(s.linkedid);
    const line = $("live-status");
    line.hidden = s.state === "live";
    line.textContent = s.reason || "";
  }
  const HEARD = { phone: "phone", address: "address", caller_name: "caller_name", category: "category" };
  function prefill(p) {
    liveFor(p.linkedid);
    const dl = $("live-fields");
    dl.replaceChildren();
    Object.keys(HEARD).forEach((name) => {
      if (!p[name]) return;
      const label = document.querySelector(`#ticket-form [name="${name}"]`);
      const dt = document.createElement("dt");
      const dd = document.createElement("dd");
      text(dt, label ? label.parentElement.firstChild.textContent : name);
      text(dd, name === "category" ? (W.category || {})[p[name]] || p[name] : p[name]);
      dl.append(dt, dd);
      // The open ticket's empty fields take what was heard, for the agent to confirm (R4); a masked
      // number (R17) is shown, never written into the form.
      const input = $("ticket-form").elements[name];
      if (input && !input.value && !String(p[name]).includes("*")) {
        input.value = p[name];
        input.classList.add("heard");
      }
    });
  }
  function showLiveAlert(a) {
    $("live-alerts").hidden = false;
    const li = document.createElement("li");
    li.className = `alert-${a.kind}`;
    li.textContent = `${a.agent_id ? a.agent_id + " · " : ""}${a.text} `;
    if (a.linkedid) {  // a supervisor listens in from here too (POST /api/calls/{linkedid}/spy)
      li.appendChild(button(en ? "Listen" : "监听", () => listen(a.linkedid)));
    }
    $("live-alert-list").prepend(li);
  }
  async function listen(linkedid) {
    const response = await fetch(`/api/calls/${encodeURIComponent(linkedid)}/spy`, {
      method: "POST", headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify({ mode: "listen" }),
    }).catch(() => null);
    const data = response ? await response.json().catch(() => ({})) : {};
    notify(response && response.ok ? (en ? "Your phone rings to listen in" : "您的话机将振铃以监听")
      : (data.error || data.detail || (en ? "Listening in failed" : "监听失败")), !(response && response.ok));
  }

  // --- live events ------------------------------------------------------------------------
  function connect() {
    const source = new EventSource(q("/desk/events"));
    source.addEventListener("state", (e) => showState(JSON.parse(e.data)));
    source.addEventListener("pop", (e) => showPop(JSON.parse(e.data)));
    source.addEventListener("apology", (e) => showApology(JSON.parse(e.data)));
    source.addEventListener("pop_end", () => clearPop());
    source.addEventListener("call_ended", (e) => {
      const data = JSON.parse(e.data);
      clearPop();
      notify(T.ended, false);
      loadQuality();
      if (deskCall && deskCall.linkedid === data.linkedid) { deskCall.ended = true; showOpenTicket(); }
    });
    source.addEventListener("ticket", (e) => {
      const data = JSON.parse(e.data);
      // Opened at a desk (no stored call yet): not the transcript's draft.
      const opened = data.change === "created" && (openedHere.has(data.ticket.id) || data.ticket.call_id == null);
      if (opened) { loadTickets(); return; }
      showTicket(data.ticket);
      if (data.change === "created") notify(T.draft_arrived, false);
      if (data.change === "merged") notify(T.merged, false);
      loadTickets();
    });
    source.addEventListener("originate", (e) => {
      const data = JSON.parse(e.data);
      $("call-status").textContent = data.success ? T.call_ok : T.call_failed + data.reason;
    });
    source.addEventListener("live_words", (e) => showWords(JSON.parse(e.data)));
    source.addEventListener("live_status", (e) => showLiveStatus(JSON.parse(e.data)));
    source.addEventListener("prefill", (e) => prefill(JSON.parse(e.data)));
    source.addEventListener("alert", (e) => showLiveAlert(JSON.parse(e.data)));
    source.addEventListener("error", () => { /* EventSource reconnects by itself */ });
    source.addEventListener("open", () => { root.dataset.connected = "1"; });
  }

  $("ticket-form").addEventListener("submit", (e) => e.preventDefault());
  $("ticket-form").addEventListener("input", (e) => { if (e.target.name) e.target.dataset.typed = "1"; });
  $("btn-open-ticket").dataset.label = $("btn-open-ticket").textContent;
  $("btn-open-ticket").addEventListener("click", () => openTicket(null));
  // After a reload: the call answered last can still have its ticket opened (R4).
  api("/desk/api/calls/last").then((last) => {
    if (last.linkedid && !deskCall) { deskCall = { linkedid: last.linkedid, matters: [], ended: true }; showOpenTicket(); }
  }).catch(() => {});
  $("btn-login").addEventListener("click", () => sendState("log_in"));
  $("btn-logout").addEventListener("click", () => sendState("log_out"));
  $("btn-resume").addEventListener("click", () => sendState("resume"));
  $("btn-pause").addEventListener("click", () => sendState("pause", $("pause-reason").value));
  $("btn-save").addEventListener("click", () => ticketAction("", formFields(), T.saved));
  $("btn-confirm").addEventListener("click", () => ticketAction("/confirm", formFields(), T.confirmed));
  $("btn-assign").addEventListener("click", () => ticketAction("/assign", formFields(), T.saved));
  $("btn-close").addEventListener("click", () =>
    ticketAction("/close", { outcome: $("close-outcome").value }, T.saved));
  $("btn-transfer").addEventListener("click", () => {
    const reason = $("transfer-reason").value.trim();
    if (!reason) { notify(T.reason_needed, true); return; }
    ticketAction("/transfer", { to: $("transfer-to").value, reason }, T.saved);
  });
  $("btn-call-ticket").addEventListener("click", () => currentTicket && call({ ticket_id: currentTicket.id }));
  connect();
  loadTickets();
  loadCallbacks();
  loadQuality();
  loadAudit();
  setInterval(loadAudit, 15000);
}());
