// Listening in (supervisors only, R17): 监听 / 耳语 / 强插 post to /api/calls/{linkedid}/spy and the
// supervisor's own phone rings into the call; during it the keypad switches: 4 listen, 5 whisper,
// 6 barge. A call row's buttons are made once and reused, so the wallboard's redrawing (every
// 250 ms) never swallows a click. Loaded only on supervisors' pages, after the page's words
// (#words, from the catalogues) and before wallboard.js.
(function () {
  "use strict";
  if (document.body.dataset.supervisor !== "1") return;
  var W = JSON.parse(document.getElementById("words").textContent).listen_in;
  var MODES = ["listen", "whisper", "barge"];
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  var rows = {};

  function say(message, bad) {
    var el = document.getElementById("spy-status");
    if (!el) return;
    el.hidden = false; el.textContent = message; el.className = "spy-status" + (bad ? " bad" : "");
  }

  function spy(linkedid, mode) {
    say(W.calling, false);
    fetch("/api/calls/" + encodeURIComponent(linkedid) + "/spy", {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf},
      body: JSON.stringify({mode: mode})
    }).then(function (r) {
      return r.json().then(function (answer) {
        if (r.ok) say(W.ringing.replace("%(phone)s", answer.phone).replace("%(mode)s", W[mode].toLowerCase()), false);
        else say(answer.detail || W.refused, true);  // the API's own words (zh / en)
      });
    }).catch(function () { say(W.no_answer, true); });
  }

  function make(linkedid) {
    var group = document.createElement("span");
    group.className = "spy";
    MODES.forEach(function (mode) {
      var b = document.createElement("button");
      b.type = "button"; b.dataset.spy = mode;
      b.textContent = W[mode]; b.title = W[mode + "_hint"];
      b.addEventListener("click", function () { spy(linkedid, mode); });
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
