/* The panel's own JavaScript: small enhancements on top of htmx. Every page works without it;
   the server checks everything this file only makes more pleasant. No inline scripts anywhere
   (a strict Content-Security-Policy is planned), so behaviour hangs off data attributes. */
(function () {
  "use strict";

  // Typed confirmation: the button of a form with <input data-confirm="web-01"> stays disabled
  // until the text matches. The server compares again; this only saves a round trip.
  function syncConfirm(input) {
    var form = input.form;
    if (!form) return;
    var matches = input.value.trim() === input.getAttribute("data-confirm");
    form.querySelectorAll("button[type=submit]").forEach(function (button) {
      // A button waiting for Vultr (data-wait-seconds) stays off whatever is typed.
      button.disabled = !matches || button.hasAttribute("data-wait-seconds");
    });
  }

  function initConfirms(root) {
    root.querySelectorAll("input[data-confirm]").forEach(syncConfirm);
  }

  // A destroy Vultr would refuse for N more seconds (a v1 server's first 5 minutes): the
  // button comes on by itself then. 0 seconds: it waits for a reload (the page says so).
  function initWaits(root) {
    root.querySelectorAll("button[data-wait-seconds]").forEach(function (button) {
      var seconds = parseInt(button.getAttribute("data-wait-seconds"), 10);
      if (!(seconds > 0)) return;
      window.setTimeout(function () {
        button.removeAttribute("data-wait-seconds");
        var form = button.form;
        var note = form && form.querySelector(".wait-note");
        if (note) note.remove();
        var input = form && form.querySelector("input[data-confirm]");
        if (input) syncConfirm(input);
        else button.disabled = false;
      }, seconds * 1000);
    });
  }

  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("input[data-confirm]")) {
      syncConfirm(event.target);
    }
  });

  // A ticked box with data-ask makes its form ask that question before sending, as hx-confirm
  // does for a button ("Reboot the server now" when adding an address asks as Reboot does).
  // Unticked, the form sends without asking.
  document.addEventListener("htmx:confirm", function (event) {
    var form = event.target.closest ? event.target.closest("form") : null;
    if (!form) return;
    var ticked = form.querySelector("input[type=checkbox][data-ask]:checked");
    if (!ticked) return;
    event.preventDefault();
    if (window.confirm(ticked.getAttribute("data-ask"))) {
      event.detail.issueRequest(true);
    }
  });

  // "Select all" in the server list selects every server on the page.
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches("input.select-all")) return;
    var form = box.form || box.closest("form");
    if (!form) return;
    form.querySelectorAll("input[type=checkbox][name=server]").forEach(function (each) {
      each.checked = box.checked;
    });
  });

  // The deploy wizard's plan filter: only the plans of the kind chosen in .plan-filter show
  // (every group shows without JavaScript).
  function applyPlanFilter(filter) {
    var chosen = filter.querySelector("input:checked");
    var kind = chosen ? chosen.value : "all";
    var form = filter.closest("form");
    if (!form) return;
    form.querySelectorAll(".plan-group").forEach(function (group) {
      group.hidden = kind !== "all" && group.getAttribute("data-kind") !== kind;
    });
  }

  function initPlanFilters(root) {
    var filters = root.matches && root.matches(".plan-filter") ? [root] : [];
    root.querySelectorAll(".plan-filter").forEach(function (each) { filters.push(each); });
    filters.forEach(applyPlanFilter);
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches(".plan-filter input")) return;
    applyPlanFilter(input.closest(".plan-filter"));
  });

  // When htmx gets an error status it swaps nothing; say what happened instead of silence.
  function flash(text) {
    var main = document.querySelector("main");
    if (!main) return;
    var note = document.getElementById("flash");
    if (!note) {
      note = document.createElement("p");
      note.id = "flash";
      note.className = "alert error";
      note.setAttribute("role", "alert");
      main.insertBefore(note, main.firstChild);
    }
    note.textContent = text;
  }

  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (status === 403) {
      flash("Your role in this team does not allow that.");
    } else if (status === 404) {
      flash("That is gone, or belongs to a team you are not in. Reload the page.");
    } else {
      flash("The panel could not do that (error " + status + "). Reload the page and try again.");
    }
  });

  document.addEventListener("htmx:sendError", function () {
    flash("The panel cannot be reached. Check your connection and try again.");
  });

  document.addEventListener("DOMContentLoaded", function () {
    initConfirms(document);
    initConfirms(document);
    initPlanFilters(document);
    initWaits(document);
  });
  document.addEventListener("htmx:load", function (event) {
    initConfirms(event.target);
    initPlanFilters(event.target);
    initWaits(event.target);
  });
})();
