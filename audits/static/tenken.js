// Tenken: small progressive enhancements. No inline scripts (the CSP forbids them).
"use strict";

// Confirmation before destructive or final actions: <form data-confirm="…">.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

// Drafts typed into forms stay in this browser's localStorage under keys that name the user
// ("tenken-draft:<user id>:<form>"), so that on a shared PC nobody is offered another person's draft.
// Every page of a logged-in user removes the drafts of other users (and the keys of older versions, which named
// nobody); submitting the logout form (<form data-clear-drafts>) removes one's own. A session that timed out
// keeps them: after logging in again, the same user finds the unsaved input back in the form.
var TenkenDrafts = (function () {
  var PREFIX = "tenken-draft:";
  var storage = null;
  try { storage = window.localStorage; } catch (e) { storage = null; }
  var meta = document.querySelector('meta[name="tenken-user"]');
  var user = meta ? meta.getAttribute("content") : "";
  var mine = PREFIX + user + ":";

  function removeWhere(test) {
    var doomed = [];
    for (var i = 0; i < storage.length; i++) {
      if (test(storage.key(i))) { doomed.push(storage.key(i)); }
    }
    doomed.forEach(function (key) { storage.removeItem(key); });
  }

  if (!storage || !user) {
    return { storage: null, key: function () { return null; }, clearMine: function () {} };
  }
  removeWhere(function (key) { return key.indexOf("tenken-") === 0 && key.indexOf(mine) !== 0; });
  return {
    storage: storage,
    key: function (name) { return mine + name; },
    clearMine: function () { removeWhere(function (key) { return key.indexOf(mine) === 0; }); }
  };
})();
window.TenkenDrafts = TenkenDrafts;

document.addEventListener("submit", function (event) {
  if (!event.defaultPrevented && event.target.hasAttribute("data-clear-drafts")) {
    TenkenDrafts.clearMine();
  }
});

// Unsaved answers survive a dropped connection or an expired session: every answer form with
// data-draft-key keeps what is typed in localStorage, tagged with the revision it was based on.
// When the page comes back with the same revision, the draft is restored; once the answer is saved
// (the revision moves on) the draft is discarded.
(function () {
  var storage = TenkenDrafts.storage;
  if (!storage) { return; }

  function fields(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.name !== "csrf_token" && el.name !== "revision" && el.type !== "file";
    });
  }

  function snapshot(form) {
    var values = {};
    fields(form).forEach(function (el) {
      if (el.type === "radio") {
        if (el.checked) { values[el.name] = el.value; }
      } else {
        values[el.name] = el.value;
      }
    });
    return values;
  }

  function restore(form, values) {
    fields(form).forEach(function (el) {
      if (!(el.name in values)) { return; }
      if (el.type === "radio") {
        el.checked = el.value === values[el.name];
      } else {
        el.value = values[el.name];
      }
    });
  }

  function same(a, b) {
    return JSON.stringify(a) === JSON.stringify(b);
  }

  document.querySelectorAll("form[data-draft-key]").forEach(function (form) {
    var key = TenkenDrafts.key(form.getAttribute("data-draft-key"));
    var revision = form.getAttribute("data-revision");
    var saved = snapshot(form);
    var raw = storage.getItem(key);
    if (raw) {
      try {
        var draft = JSON.parse(raw);
        if (String(draft.revision) === revision && !same(draft.values, saved)) {
          restore(form, draft.values);
          var notice = form.querySelector(".draft-notice");
          if (notice) { notice.hidden = false; }
        } else if (String(draft.revision) !== revision) {
          storage.removeItem(key);
        }
      } catch (e) {
        storage.removeItem(key);
      }
    }
    form.addEventListener("input", function () {
      var values = snapshot(form);
      if (same(values, saved)) {
        storage.removeItem(key);
      } else {
        storage.setItem(key, JSON.stringify({ revision: form.getAttribute("data-revision"), values: values,
                                              at: Date.now() }));
      }
    });
    // Saved in place (sheet_answer.js): what the form shows is now stored, so the draft is done with.
    form.addEventListener("tenken:saved", function () {
      saved = snapshot(form);
      storage.removeItem(key);
      var notice = form.querySelector(".draft-notice");
      if (notice) { notice.hidden = true; }
    });
  });
})();

// Show the 該当しない reason only for a 該当しない answer, and the 改善予定 only for a gap,
// unless they already hold text or an error (nothing typed is ever hidden).
(function () {
  function update(form) {
    var gap = (form.getAttribute("data-gap-values") || "").split(" ");
    var na = (form.getAttribute("data-na-values") || "").split(" ");
    var checked = form.querySelector("input[name=value]:checked");
    var value = checked ? checked.value : "";
    toggle(form.querySelector(".na-field"), na.indexOf(value) >= 0);
    toggle(form.querySelector("fieldset.plan"), gap.indexOf(value) >= 0);
  }
  function toggle(block, wanted) {
    if (!block) { return; }
    var filled = Array.prototype.some.call(block.querySelectorAll("textarea, input"), function (el) {
      return el.value;
    });
    block.hidden = !(wanted || filled || block.querySelector(".error"));
  }
  document.querySelectorAll("form[data-gap-values]").forEach(function (form) {
    update(form);
    form.addEventListener("change", function () { update(form); });
  });
})();
