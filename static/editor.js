/* The editor's only script. Everything works without it; it adds:
   - a live screen counter per language on node forms, with a one-click GSM-7 spelling;
   - auto-submit of the "screens as on" gateway picker;
   - the phone simulator without page reloads.
   The character tables come from the server (ussd/gsm.py), so there is one source. */
(function () {
  "use strict";

  function screenData() {
    var el = document.getElementById("screen-data");
    if (!el) { return null; }
    try { return JSON.parse(el.textContent); } catch (e) { return null; }
  }

  function measure(text, data, budget) {
    var basic = data.basic, ext = data.extension, gsm = true, septets = 0, forcing = [];
    for (var i = 0; i < text.length; i++) {
      var ch = text.charAt(i);
      if (basic.indexOf(ch) >= 0) { septets += 1; }
      else if (ext.indexOf(ch) >= 0) { septets += 2; }
      else { gsm = false; if (forcing.indexOf(ch) < 0 && !/[\uDC00-\uDFFF]/.test(ch)) { forcing.push(ch); } }
    }
    var used = gsm ? septets : text.length; // UTF-16 code units, as UCS-2 counts them
    var limit = gsm ? budget.gsm7 : budget.ucs2;
    if (budget.cap) { limit = Math.min(limit, budget.cap); }
    return { used: used, limit: limit, gsm: gsm, forcing: forcing };
  }

  function gsmSpelling(text, data) {
    var out = "";
    for (var i = 0; i < text.length; i++) {
      var ch = text.charAt(i);
      out += Object.prototype.hasOwnProperty.call(data.spelling, ch) ? data.spelling[ch] : ch;
    }
    return out;
  }

  function setupCounters(form, data) {
    var budget = data.budgets[data.gateway] || data.budgets.africastalking;
    data.languages.forEach(function (lang) {
      var output = form.querySelector('output[data-counter-lang="' + lang + '"]');
      if (!output) { return; }
      var fields = form.querySelectorAll('[data-screen-lang="' + lang + '"]');
      function update() {
        var header = "", lines = [], n = 0;
        fields.forEach(function (f) {
          var value = f.value.trim();
          if (f.getAttribute("data-screen-part") === "text") { header = value; }
          else if (value) { n += 1; lines.push(n + ". " + value); }
        });
        var text = [header].concat(lines).filter(Boolean).join("\n");
        var m = measure(text, data, budget);
        output.textContent = "";
        var span = document.createElement("span");
        span.className = m.used > m.limit ? "over" : (m.gsm ? "ok" : "ucs2");
        span.textContent = m.used + " / " + m.limit + " " + (m.gsm ? data.strings.gsm7 : data.strings.ucs2) +
          " (" + budget.title + ")";
        output.appendChild(span);
        if (m.used > m.limit) { output.appendChild(document.createTextNode(" " + data.strings.over)); }
        if (!m.gsm) {
          output.appendChild(document.createTextNode(" " + data.strings.forces.replace("%(chars)s", m.forcing.join(" "))));
          var fixable = m.forcing.some(function (ch) { return Object.prototype.hasOwnProperty.call(data.spelling, ch); });
          if (fixable) {
            var button = document.createElement("button");
            button.type = "button";
            button.className = "small";
            button.textContent = data.strings.suggest;
            button.addEventListener("click", function () {
              fields.forEach(function (f) { f.value = gsmSpelling(f.value, data); });
              update();
              fields[0].focus();
            });
            output.appendChild(button);
          }
        }
      }
      fields.forEach(function (f) { f.addEventListener("input", update); });
      update();
    });
  }

  // The requests of http nodes in the last step, as text (a secret is masked by the server).
  function showRequests(box, list) {
    box.textContent = "";
    box.hidden = !list.length;
    if (!list.length) { return; }
    var title = document.createElement("h3");
    title.textContent = box.getAttribute("data-title") || "";
    box.appendChild(title);
    list.forEach(function (r) {
      var pre = document.createElement("pre");
      pre.className = "exchange";
      pre.dir = "ltr";
      var lines = [r.request].concat(r.headers || []);
      if (r.body) { lines.push("", r.body); }
      lines.push("", "→ " + (r.status === null ? "—" : r.status) + " (" + r.ms + " ms)");
      if (r.reply) { lines.push(r.reply); }
      pre.textContent = lines.join("\n");
      box.appendChild(pre);
      var outcome = document.createElement("p");
      outcome.className = "hint";
      outcome.textContent = (box.getAttribute("data-outcome") || "") + " " + r.outcome + (r.reason ? " · " + r.reason : "");
      box.appendChild(outcome);
    });
  }

  function setupSimulator(form) {
    var screen = document.getElementById("sim-screen");
    var state = document.getElementById("sim-state");
    var transcript = document.getElementById("sim-transcript");
    var entry = form.querySelector('input[name="sim-entry"]');
    var requests = document.getElementById("sim-requests");
    form.addEventListener("submit", function (event) {
      if (!window.fetch || !window.FormData) { return; }
      event.preventDefault();
      var body = new FormData(form);
      if (event.submitter && event.submitter.name) { body.append(event.submitter.name, event.submitter.value); }
      fetch(form.action, { method: "POST", body: body, credentials: "same-origin",
                           headers: { "Accept": "application/json" } })
        .then(function (response) {
          if (!response.ok) { throw new Error(response.status); }
          return response.json();
        })
        .then(function (reply) {
          screen.textContent = reply.text || "";
          screen.classList.toggle("ended", !!reply.end);
          screen.classList.toggle("sim-error", !!reply.error);
          state.textContent = reply.end ? state.getAttribute("data-ended") || "" : state.getAttribute("data-waiting") || "";
          if (transcript && reply.transcript) {
            // the keys typed read left to right, arrows and all, in a right-to-left page too
            transcript.textContent = reply.transcript.length ? (transcript.getAttribute("data-label") || "") + " " : "";
            if (reply.transcript.length) {
              var keys = document.createElement("bdi");
              keys.dir = "ltr";
              keys.textContent = reply.transcript.join(" → ");
              transcript.appendChild(keys);
            }
          }
          if (requests) { showRequests(requests, reply.requests || []); }
          if (entry) { entry.value = ""; entry.focus(); }
        })
        .catch(function () { form.submit(); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
    var data = screenData();
    var nodeForm = document.querySelector("form.node-form");
    if (data && nodeForm) { setupCounters(nodeForm, data); }
    var sim = document.getElementById("sim-form");
    if (sim) { setupSimulator(sim); }
  });
})();
