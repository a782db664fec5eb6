// quench web UI: keyboard shortcuts, local times, and a refresh after a
// live connection comes back. Everything here is an extra: every page
// works without it. No eval, no inline handlers (the CSP forbids them).
(function () {
  "use strict";

  // Times: the server writes UTC; show the reader's local time, and how
  // long ago, keeping the exact UTC instant in the title.
  var fmt = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });
  function localTimes(root) {
    root.querySelectorAll("time[datetime]").forEach(function (el) {
      var d = new Date(el.getAttribute("datetime"));
      if (isNaN(d)) return;
      if (!el.dataset.local) {
        el.dataset.local = "1";
        el.title = el.textContent;
      }
      el.textContent = fmt.format(d) + " (" + ago(d) + ")";
    });
  }
  // "3m ago" stays true while the page stays open.
  setInterval(function () { localTimes(document); }, 30000);
  function ago(d) {
    var s = Math.round((Date.now() - d.getTime()) / 1000);
    if (s < 0) s = 0;
    if (s < 60) return s + "s ago";
    if (s < 3600) return Math.floor(s / 60) + "m ago";
    if (s < 86400) return Math.floor(s / 3600) + "h " + Math.floor((s % 3600) / 60) + "m ago";
    return Math.floor(s / 86400) + "d ago";
  }

  // Selection for j/k: incident rows on the list, steps on an incident.
  // It follows the element (by id), not its position: when a new incident
  // arrives above the selected one, a and r still act on the row the
  // responder chose.
  var selected = -1;
  var selectedId = "";
  function items() {
    return Array.prototype.slice.call(document.querySelectorAll("#incidents > li.inc, .step"));
  }
  // mark shows the selection on the rows as they are now and returns the
  // selected element; it never moves the focus.
  function mark() {
    var list = items();
    if (selected < 0 || list.length === 0) return null;
    if (selectedId) {
      var at = list.findIndex(function (el) { return el.id === selectedId; });
      if (at >= 0) selected = at;
    }
    selected = Math.min(list.length - 1, selected);
    list.forEach(function (el, j) { el.classList.toggle("selected", j === selected); });
    selectedId = list[selected].id;
    return list[selected];
  }
  function select(i) {
    var list = items();
    if (list.length === 0) return;
    selected = Math.max(0, Math.min(list.length - 1, i));
    selectedId = list[selected].id;
    var el = mark();
    el.scrollIntoView({ block: "nearest" });
    var link = el.querySelector("a.inc-link, button, a.button");
    if (link) link.focus({ preventScroll: true });
  }
  function current() {
    return mark();
  }
  function submit(form) {
    if (form) {
      if (form.requestSubmit) form.requestSubmit(); else form.submit();
      return true;
    }
    return false;
  }

  var help = null;
  function toggleHelp(show) {
    if (!help) return;
    help.hidden = show === undefined ? !help.hidden : !show;
    if (!help.hidden) document.getElementById("help-close").focus();
  }

  var pendingG = false;
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    var t = e.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) {
      if (e.key === "Escape") t.blur();
      return;
    }
    if (e.key === "Escape") { toggleHelp(false); return; }
    if (pendingG) {
      pendingG = false;
      if (e.key === "i") { location.href = "/incidents"; }
      return;
    }
    var row = current();
    switch (e.key) {
      case "?": toggleHelp(); break;
      case "j": select(selected + 1); break;
      case "k": select(selected < 0 ? 0 : selected - 1); break;
      case "g": pendingG = true; return;
      case "/": var q = document.getElementById("f-q"); if (q) { q.focus(); } else return; break;
      case "Enter":
        if (row && row.matches("li.inc")) { var a = row.querySelector("a.inc-link"); if (a) location.href = a.href; } else return;
        break;
      case "a":
        if (!submit((row && row.querySelector(".ack-form")) || document.getElementById("ack-form"))) return;
        break;
      case "r":
        var form = (row && row.querySelector(".resolve-form")) || document.getElementById("resolve-form");
        if (!form) return;
        if (window.confirm("Resolve this incident?")) submit(form);
        break;
      default: return;
    }
    e.preventDefault();
  });

  // A destructive step's Run button stays off until its name is typed.
  function watchTypedName(root) {
    root.querySelectorAll("input[data-expect]").forEach(function (input) {
      var btn = document.getElementById("confirm-run");
      if (!btn) return;
      var check = function () { btn.disabled = input.value.trim() !== input.dataset.expect; };
      input.addEventListener("input", check);
      check();
    });
  }

  // The live dot; and on every (re)connection the page fetches what it
  // shows again, so nothing that changed before the stream opened, or
  // while it was down, stays missing.
  function liveState(src, live) {
    document.documentElement.dataset.live = live ? "open" : "closed";
    src.querySelectorAll(".live-text").forEach(function (el) {
      el.textContent = live ? "live" : "reconnecting…";
    });
  }
  document.addEventListener("htmx:sseError", function (e) {
    var src = e.detail && e.detail.elt;
    if (src) liveState(src, false);
  });
  document.addEventListener("htmx:sseOpen", function (e) {
    var src = e.detail && e.detail.elt;
    if (!src) return;
    liveState(src, true);
    src.querySelectorAll("[data-refresh]").forEach(function (el) { htmx.trigger(el, "sse:incident"); });
  });
  document.addEventListener("htmx:afterSwap", function () {
    localTimes(document);
  });
  // After settling, not swapping: htmx puts the new rows' own attributes
  // back when it settles, which dropped a selection marked at the swap.
  document.addEventListener("htmx:afterSettle", function () {
    mark();
  });

  document.addEventListener("DOMContentLoaded", function () {
    help = document.getElementById("help");
    var open = document.getElementById("help-open");
    if (open) {
      open.hidden = false; // keyboard help needs this script; without it the button stays hidden
      open.addEventListener("click", function () { toggleHelp(true); });
    }
    var close = document.getElementById("help-close");
    if (close) close.addEventListener("click", function () { toggleHelp(false); });
    if (help) help.addEventListener("click", function (e) { if (e.target === help) toggleHelp(false); });
    localTimes(document);
    watchTypedName(document);
  });
})();
