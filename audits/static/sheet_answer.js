// The answer page (templates/sheets/answer.html): save an item without reloading the page, show only the
// unanswered items, and move to the next unanswered one. Without this script every form still works by itself
// (a normal POST, a GET form, plain links). No inline scripts: the CSP allows only the app's own files.
"use strict";
(function () {
  var FAILED_SEND = "保存できませんでした（サーバーに接続できません）。入力はこの端末に残っています。" +
    "接続を確認してから、もう一度「この項目を保存」を押してください。";
  var SESSION_ENDED = "ログインの有効期限が切れたため保存できませんでした。ログインの画面に移ります" +
    "（入力はこの端末に残っています）。";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function status(form, text, failed) {
    var box = form.querySelector(".save-status");
    if (!box) { return; }
    box.textContent = text;
    box.classList.toggle("failed", !!failed);
  }

  // Also the errors of an earlier page load (a post without the script): they no longer apply either.
  function clearErrors(form) {
    Array.prototype.forEach.call(form.querySelectorAll("p.error"), function (p) { p.remove(); });
    Array.prototype.forEach.call(form.querySelectorAll(".field.has-error"), function (field) {
      field.classList.remove("has-error");
    });
    Array.prototype.forEach.call(form.querySelectorAll("[aria-invalid]"), function (el) {
      el.removeAttribute("aria-invalid");
    });
    Array.prototype.forEach.call(form.querySelectorAll('[aria-describedby$="-error"]'), function (el) {
      el.removeAttribute("aria-describedby");
    });
  }

  function showErrors(form, errors) {
    var itemId = form.closest(".item").id.replace(/^item-/, "");
    Object.keys(errors).forEach(function (name) {
      var input = form.querySelector('[name="' + name + '"]') ||
        (name === "value" ? form.querySelector('[name="value_option"]') : null);
      var field = input ? input.closest(".field") : null;
      if (!field) { return; }
      var message = document.createElement("p");
      message.className = "error";
      message.id = itemId + "-" + name + "-error";
      message.textContent = errors[name];
      field.classList.add("has-error");
      field.appendChild(message);
      if (input.type !== "radio") {
        input.setAttribute("aria-invalid", "true");
        input.setAttribute("aria-describedby", message.id);
      }
      if (field.hidden) { field.hidden = false; }
      var block = field.closest("fieldset.plan");
      if (block) { block.hidden = false; }
    });
  }

  function showConflict(form, other) {
    var old = form.parentNode.querySelector(".conflict");
    if (old) { old.remove(); }
    if (!other) { return; }
    var box = document.createElement("div");
    box.className = "conflict";
    box.setAttribute("role", "alert");
    var title = document.createElement("h3");
    title.textContent = "他の人が先に保存した回答（第" + other.revision + "版）";
    box.appendChild(title);
    var list = document.createElement("dl");
    [["回答", other.value], ["具体的な実施内容", other.detail],
     ["改善予定", other.plan_action ? other.plan_action + "（" + other.plan_due + "、" + other.plan_owner + "）" : ""],
     ["保存日時", other.updated_at]].forEach(function (row) {
      if (!row[1]) { return; }
      var dt = document.createElement("dt");
      dt.textContent = row[0];
      var dd = document.createElement("dd");
      dd.className = "pre";
      dd.textContent = row[1];
      list.appendChild(dt);
      list.appendChild(dd);
    });
    box.appendChild(list);
    var note = document.createElement("p");
    note.textContent = "下の欄にはあなたの入力が残っています。内容を確認してから保存すると、上の回答を置き換えます。";
    box.appendChild(note);
    form.parentNode.insertBefore(box, form);
  }

  function setRevision(form, revision) {
    form.querySelector('input[name="revision"]').value = revision;
    form.setAttribute("data-revision", String(revision));
  }

  function showProgress(sectionId, data) {
    function put(key, figures) {
      Array.prototype.forEach.call(document.querySelectorAll('[data-progress="' + key + '"]'), function (el) {
        el.textContent = figures.answered + (key === "total" ? " / " : "/") + figures.applicable;
      });
    }
    put(sectionId, data.section);
    put("total", data.total);
    var bar = document.querySelector('[data-progress-bar="' + sectionId + '"]');
    if (bar) {
      bar.value = data.section.answered;
      bar.setAttribute("aria-label", data.section.answered + " / " + data.section.applicable + " 回答済");
    }
  }

  // The server sends the item's card as the page would show it now; its header (category), evidence notes,
  // last-saved line and history replace the ones shown. The form itself stays as typed.
  function takeFromCard(item, html) {
    var holder = document.createElement("template");
    holder.innerHTML = html;
    var fresh = holder.content.querySelector(".item");
    if (!fresh) { return; }
    function swap(selector) {
      var mine = item.querySelector(selector);
      var theirs = fresh.querySelector(selector);
      if (mine && theirs) { mine.replaceWith(theirs); }
    }
    swap("header");
    swap(".last-saved");
    swap(".evidence > h3");
    var hint = item.querySelector(".evidence > p.hint");
    if (hint) { hint.remove(); }
    var freshHint = fresh.querySelector(".evidence > p.hint");
    var heading = item.querySelector(".evidence > h3");
    if (freshHint && heading && !item.querySelector(".evidence > ul.files")) { heading.after(freshHint); }
    var history = item.querySelector("details.history");
    var freshHistory = fresh.querySelector("details.history");
    if (freshHistory) {
      freshHistory.open = !!(history && history.open);
      if (history) { history.replaceWith(freshHistory); } else { item.appendChild(freshHistory); }
    }
    if (fresh.hasAttribute("data-unanswered")) {
      item.setAttribute("data-unanswered", "");
    } else if (item.hasAttribute("data-unanswered")) {
      item.removeAttribute("data-unanswered");
      item.classList.add("just-saved");   // stays in view under 「未回答のみ表示」 until the filter is changed
    }
  }

  function saved(form, data) {
    var item = form.closest(".item");
    clearErrors(form);
    showConflict(form, null);
    setRevision(form, data.revision);
    takeFromCard(item, data.card);
    status(form, data.message, false);
    showProgress(item.getAttribute("data-section"), data);
    form.dispatchEvent(new CustomEvent("tenken:saved"));   // tenken.js: the draft is no longer needed
  }

  function refused(form, data) {
    clearErrors(form);
    status(form, data.message || FAILED_SEND, true);
    if (data.errors) { showErrors(form, data.errors); }
    if (data.conflict) {
      showConflict(form, data.conflict);
      setRevision(form, data.conflict.revision);   // saving again replaces the other answer, as on the page
    }
  }

  function submit(event) {
    var form = event.target;
    if (!form.matches || !form.matches("form.answer-form") || !window.fetch) { return; }
    event.preventDefault();
    var button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    status(form, "保存しています…", false);
    fetch(form.action, {
      method: "POST", body: new FormData(form), credentials: "same-origin", redirect: "manual",
      headers: { "Accept": "application/json", "X-CSRFToken": csrfToken() }
    }).then(function (response) {
      if (response.type === "opaqueredirect") {
        // The session ended (nothing was saved): to the login page, which brings the user back here, where
        // tenken.js restores what was typed.
        var login = document.getElementById("sheet-sections").getAttribute("data-login");
        window.location.assign(login + "?next=" + encodeURIComponent(window.location.pathname +
                                                                    window.location.search));
        return { ok: false, message: SESSION_ENDED };
      }
      return response.json().catch(function () { return { ok: false, message: FAILED_SEND }; });
    }, function () {
      return { ok: false, message: FAILED_SEND };
    }).then(function (data) {
      button.disabled = false;
      if (data.ok) { saved(form, data); } else { refused(form, data); }
    });
  }

  // 「次の未回答へ」: the first unanswered item after the one last worked on; past the last one on this page,
  // the next 区分 that has one (the server's link), or back to the first on this page.
  var lastItem = null;

  function focusItem(item) {
    var control = item.querySelector("form.answer-form input:not([type=hidden]):not([disabled]), " +
                                      "form.answer-form textarea");
    lastItem = item;
    (control || item).focus();
    if (!control) { item.scrollIntoView(); }
  }

  function nextUnanswered(event) {
    var link = event.currentTarget;
    var open = Array.prototype.slice.call(document.querySelectorAll(".sheet-section .item[data-unanswered]"));
    var after = open.filter(function (item) {
      return !lastItem || (lastItem.compareDocumentPosition(item) & Node.DOCUMENT_POSITION_FOLLOWING);
    });
    var elsewhere = link.getAttribute("data-elsewhere");
    if (after.length) {
      event.preventDefault();
      focusItem(after[0]);
    } else if (elsewhere) {
      link.setAttribute("href", elsewhere);   // the browser follows it
    } else if (open.length) {
      event.preventDefault();
      focusItem(open[0]);
    } else {
      event.preventDefault();
      var box = document.querySelector(".toolbar-status");
      if (box) { box.textContent = "未回答の項目はありません。"; }
    }
  }

  // 「未回答のみ表示」 without a page load; the address keeps the choice for links and reloads.
  function onlyUnanswered(event) {
    var on = event.target.checked;
    var sections = document.getElementById("sheet-sections");
    sections.classList.toggle("only-unanswered", on);
    Array.prototype.forEach.call(sections.querySelectorAll(".just-saved"), function (item) {
      item.classList.remove("just-saved");
    });
    var links = document.querySelectorAll(".section-index a[href*='section='], .section-pager a");
    Array.prototype.forEach.call(links, function (a) {
      var url = new URL(a.href, window.location.href);
      if (on) { url.searchParams.set("unanswered", "1"); } else { url.searchParams.delete("unanswered"); }
      a.href = url.pathname + url.search;
    });
    var here = new URL(window.location.href);
    if (on) { here.searchParams.set("unanswered", "1"); } else { here.searchParams.delete("unanswered"); }
    window.history.replaceState(null, "", here.pathname + here.search + here.hash);
  }

  function itemFromHash() {
    var match = /^#item-([A-Za-z0-9_.\-]+)$/.exec(window.location.hash);
    return match ? match[1] : null;
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.addEventListener("submit", submit);
    var sections = document.getElementById("sheet-sections");
    if (!sections) { return; }
    sections.addEventListener("focusin", function (event) {
      var item = event.target.closest && event.target.closest(".item");
      if (item) { lastItem = item; }
    });
    var next = document.getElementById("next-unanswered");
    if (next) { next.addEventListener("click", nextUnanswered); }
    Array.prototype.forEach.call(document.querySelectorAll('a.skip[href^="#item-"], .blockers a[href^="#item-"]'),
      function (a) {
        a.addEventListener("click", function (event) {
          var item = document.getElementById(a.getAttribute("href").slice(1));
          if (item && item.classList.contains("item")) { event.preventDefault(); focusItem(item); }
        });
      });
    var filter = document.getElementById("only-unanswered");
    if (filter) {
      filter.addEventListener("change", onlyUnanswered);
      var show = filter.form.querySelector('button[type="submit"]');
      if (show) { show.hidden = true; }
    }
    // A link to an item (#item-…) lands in the item's form; one to an item of another 区分 (an old bookmark)
    // opens that 区分.
    var wanted = itemFromHash();
    if (wanted) {
      var target = document.getElementById("item-" + wanted);
      if (target && target.classList.contains("item")) {
        focusItem(target);
      } else if (!target && new URL(window.location.href).searchParams.get("item") !== wanted) {
        var url = new URL(window.location.href);
        url.searchParams.set("item", wanted);
        url.searchParams.delete("section");
        window.location.replace(url.pathname + url.search + url.hash);
      }
    }
  });
})();
