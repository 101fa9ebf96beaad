/* Reply forms (canned replies, a reply from Submissions): a live counter of characters
   and screens in the encoding the text needs, by the server's rules (ussd/replies/service.py:
   GSM-7 extension characters count two, UCS-2 counts UTF-16 units), and a canned reply
   chosen from the list fills the text. The forms work without it: the server checks again. */
(function () {
  "use strict";

  function readData() {
    var el = document.getElementById("reply-data");
    if (!el) { return null; }
    try { return JSON.parse(el.textContent); } catch (e) { return null; }
  }

  function fill(template, values) {
    return template.replace(/%\((\w+)\)[sd]/g, function (_, name) { return String(values[name]); });
  }

  function measure(text, data) {
    var gsm = true, septets = 0;
    for (var i = 0; i < text.length; i++) {
      var ch = text.charAt(i);
      if (ch === "\n" || data.basic.indexOf(ch) >= 0) { septets += 1; }
      else if (data.extension.indexOf(ch) >= 0) { septets += 2; }
      else { gsm = false; }
    }
    return { gsm: gsm, used: gsm ? septets : text.length };
  }

  function setup(form, data) {
    var limits;
    try { limits = JSON.parse(form.getAttribute("data-reply-limits")); } catch (e) { return; }
    var text = form.querySelector("textarea");
    var output = form.querySelector("output[data-reply-counter]");
    var canned = form.querySelector("select[data-canned]");
    if (!text || !output) { return; }
    function update() {
      var value = text.value.replace(/\r\n/g, "\n").trim();
      var m = measure(value, data);
      var screen = limits.screen[m.gsm ? "gsm7" : "ucs2"];
      var most = screen * limits.screens;
      var screens = Math.ceil(m.used / screen);
      output.textContent = "";
      var span = document.createElement("span");
      span.className = m.used > most ? "over" : (m.gsm ? "ok" : "ucs2");
      span.textContent = fill(data.strings.counter, {
        used: m.used, most: most, encoding: m.gsm ? "GSM-7" : "UCS-2",
        screens: Math.min(screens, limits.screens), max: limits.screens
      });
      output.appendChild(span);
      if (m.used > most) { output.appendChild(document.createTextNode(" " + fill(data.strings.over, { max: limits.screens }))); }
      else if (!m.gsm && value) { output.appendChild(document.createTextNode(" " + data.strings.ucs2)); }
    }
    text.addEventListener("input", update);
    if (canned) {
      canned.addEventListener("change", function () {
        var chosen = data.canned && data.canned[canned.value];
        if (chosen !== undefined) { text.value = chosen; update(); text.focus(); }
      });
    }
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var data = readData();
    if (!data) { return; }
    document.querySelectorAll("form[data-reply-limits]").forEach(function (form) { setup(form, data); });
  });
})();
