// Listening in (supervisors only, R17): 监听 / 耳语 / 强插 post to /api/calls/{linkedid}/spy and the
// supervisor's own phone rings into the call; during it the keypad switches: 4 listen, 5 whisper,
// 6 barge. A call row's buttons are made once and reused, so the wallboard's redrawing (every
// 250 ms) never swallows a click. Loaded only on supervisors' pages, before wallboard.js.
(function () {
  "use strict";
  var body = document.body;
  if (body.dataset.supervisor !== "1") return;
  var en = body.dataset.lang === "en";
  var MODES = [
    ["listen", "监听", "Listen", "您听双方，双方听不到您", "you hear both; neither hears you"],
    ["whisper", "耳语", "Whisper", "只有坐席听到您", "only the agent hears you"],
    ["barge", "强插", "Barge in", "坐席和来电者都听到您", "the agent and the caller both hear you"]];
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  var rows = {};

  function say(message, bad) {
    var el = document.getElementById("spy-status");
    if (!el) return;
    el.hidden = false; el.textContent = message; el.className = "spy-status" + (bad ? " bad" : "");
  }

  function ringing(answer, mode) {
    var m = MODES.filter(function (x) { return x[0] === mode; })[0];
    return en ? "Your phone " + answer.phone + " is ringing: answer to " + m[2].toLowerCase() +
                " (keys: 4 listen, 5 whisper, 6 barge in)"
              : "您的话机 " + answer.phone + " 正在振铃，接听后即" + m[1] + "（通话中按 4 监听、5 耳语、6 强插）";
  }

  function spy(linkedid, mode) {
    say(en ? "Calling your phone…" : "正在呼叫您的话机…", false);
    fetch("/api/calls/" + encodeURIComponent(linkedid) + "/spy", {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf},
      body: JSON.stringify({mode: mode})
    }).then(function (r) {
      return r.json().then(function (answer) {
        if (r.ok) say(ringing(answer, mode), false);
        else say(answer.detail || (en ? "Not possible now" : "现在无法监听"), true);
      });
    }).catch(function () { say(en ? "No answer from the server" : "服务器没有响应", true); });
  }

  function make(linkedid) {
    var group = document.createElement("span");
    group.className = "spy";
    MODES.forEach(function (m) {
      var b = document.createElement("button");
      b.type = "button"; b.dataset.spy = m[0];
      b.textContent = en ? m[2] : m[1]; b.title = en ? m[4] : m[3];
      b.addEventListener("click", function () { spy(linkedid, m[0]); });
      group.appendChild(b);
    });
    return group;
  }

  window.ListenIn = {
    row: function (linkedid) { return rows[linkedid] || (rows[linkedid] = make(linkedid)); },
    make: make,
    forget: function (linkedid) { delete rows[linkedid]; }
  };
})();
