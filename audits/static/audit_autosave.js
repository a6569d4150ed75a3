// Keeps text typed into a form[data-autosave] in localStorage until the server has it, so that a
// dropped connection or a closed tab loses nothing. Each field is stored with the value the server
// sent ("base"): on the next load, a stored value that differs from what the server now shows is
// restored (the save did not arrive); a stored value equal to the server's is forgotten (it was saved).
"use strict";
(function () {
  // Keys and storage come from tenken.js (TenkenDrafts): drafts belong to the logged-in user.
  var drafts = window.TenkenDrafts;

  function fields(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.name !== "csrf_token" && (el.tagName === "TEXTAREA" ||
        (el.tagName === "INPUT" && (el.type === "text" || el.type === "radio" || el.type === "date")) ||
        el.tagName === "SELECT");
    });
  }

  function valueOf(form, el) {
    if (el.type === "radio") {
      var checked = form.querySelector('input[type=radio][name="' + el.name + '"]:checked');
      return checked ? checked.value : "";
    }
    return el.value;
  }

  function setValue(form, el, value) {
    if (el.type === "radio") {
      el.checked = el.value === value;
    } else {
      el.value = value;
    }
  }

  function status(form, text, restored) {
    var box = form.querySelector(".autosave-status");
    if (box) {
      box.textContent = text;
      box.classList.toggle("restored", !!restored);
    }
  }

  function setup(form) {
    var key = drafts.key("audit-" + form.getAttribute("data-autosave"));
    var base = {};
    fields(form).forEach(function (el) { base[el.name] = valueOf(form, el); });
    var stored = null;
    try { stored = JSON.parse(drafts.storage.getItem(key) || "null"); } catch (e) { stored = null; }
    if (stored && stored.values) {
      var restored = false;
      fields(form).forEach(function (el) {
        var mine = stored.values[el.name];
        if (mine !== undefined && mine !== base[el.name]) {
          setValue(form, el, mine);
          restored = true;
        }
      });
      if (restored) {
        status(form, "保存されていない入力をこの端末から復元しました。内容を確認して「保存」してください。", true);
      } else {
        drafts.storage.removeItem(key);
      }
    }
    function remember() {
      var values = {};
      var changed = false;
      fields(form).forEach(function (el) {
        values[el.name] = valueOf(form, el);
        if (values[el.name] !== base[el.name]) { changed = true; }
      });
      try {
        if (changed) {
          drafts.storage.setItem(key, JSON.stringify({ values: values, at: Date.now() }));
          status(form, "未保存の入力があります（この端末に一時保存済み）。", false);
        } else {
          drafts.storage.removeItem(key);
          status(form, "", false);
        }
      } catch (e) { /* storage full or disabled: the form still posts normally */ }
    }
    form.addEventListener("input", remember);
    form.addEventListener("change", remember);
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!drafts || !drafts.storage) { return; }
    Array.prototype.forEach.call(document.querySelectorAll("form[data-autosave]"), setup);
  });
})();
