// Recoupe's page: the review actions and their keyboard shortcuts, and a busy message while a claim is
// checked. The page works without this file except for reviewing. Reviews go to the same /v1 endpoints as
// any client; the server recomputes the verdict and the page is reloaded to show it.
"use strict";

(function () {
  const KEY_NAME = "recoupe.reviewer";   // localStorage: the reviewer's name, kept between visits
  const KEY_API = "recoupe.apiKey";      // sessionStorage: the API key, this tab only
  const KEY_FOCUS = "recoupe.focus";     // sessionStorage: the card to focus after a reload

  function text(id) {
    const el = document.getElementById(id);
    return el ? el.content.textContent.trim() : "";
  }

  // ---------------------------------------------------------------- check form
  const form = document.getElementById("check-form");
  if (form) {
    form.addEventListener("submit", function () {
      document.getElementById("busy").textContent = text("busy-text");
      form.setAttribute("aria-busy", "true");
    });
  }

  // ---------------------------------------------------------------- copy a citation
  // Without this script the citation is still there to select; the button only appears with it.
  document.querySelectorAll("button.copy-citation").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", async function () {
      const field = document.getElementById(button.dataset.target);
      try {
        await navigator.clipboard.writeText(field.value);
      } catch (e) {
        field.select();
        document.execCommand("copy");
      }
      document.getElementById(button.dataset.target + "-done").textContent = text("msg-copied");
    });
  });

  // ---------------------------------------------------------------- batch progress
  const progress = document.getElementById("batch-progress");
  if (progress && progress.dataset.status === "running") {
    const bar = document.getElementById("batch-bar");
    const count = document.getElementById("batch-count");
    const poll = async function () {
      try {
        const response = await fetch("/v1/batches/" + encodeURIComponent(progress.dataset.batch),
                                     {headers: {"Accept": "application/json"}});
        if (response.ok) {
          const b = await response.json();
          bar.value = b.done;
          count.firstChild.textContent = text("msg-progress").replace("{done}", b.done).replace("{total}", b.total) + " · ";
          if (b.status !== "running") { window.location.reload(); return; }
        }
      } catch (e) { /* the next poll tries again */ }
      window.setTimeout(poll, 1500);
    };
    window.setTimeout(poll, 1000);
  }

  // ---------------------------------------------------------------- review
  const panel = document.getElementById("review-panel");
  if (!panel) return;
  const checkId = panel.dataset.check;
  const status = document.getElementById("review-status");
  const reviewer = document.getElementById("reviewer");
  const apiKey = document.getElementById("api-key");
  reviewer.value = localStorage.getItem(KEY_NAME) || "";
  apiKey.value = sessionStorage.getItem(KEY_API) || "";
  reviewer.addEventListener("change", function () { localStorage.setItem(KEY_NAME, reviewer.value.trim()); });
  apiKey.addEventListener("change", function () { sessionStorage.setItem(KEY_API, apiKey.value); });

  const cards = Array.from(document.querySelectorAll(".card[data-item]"));

  function say(message) { status.textContent = message; }

  async function send(card, action) {
    const item = Number(card.dataset.item);
    const name = reviewer.value.trim();
    if (action !== "undo" && !name) {
      say(text("msg-failed").replace("{why}", text("msg-need-name")));
      reviewer.focus();
      return;
    }
    localStorage.setItem(KEY_NAME, name);
    sessionStorage.setItem(KEY_API, apiKey.value);
    const headers = {"Content-Type": "application/json", "Accept": "application/json"};
    if (apiKey.value) headers["X-API-Key"] = apiKey.value;
    let url = "/v1/checks/" + encodeURIComponent(checkId) + "/reviews";
    let init = {method: "POST", headers: headers};
    if (action === "undo") {
      url += "/" + item;
      init.method = "DELETE";
    } else {
      const body = {item: item, action: action, reviewer: name, note: card.querySelector(".note").value};
      if (action === "stance") body.stance = card.querySelector(".stance-choice").value;
      init.body = JSON.stringify(body);
    }
    try {
      const response = await fetch(url, init);
      if (!response.ok) {
        let why = response.status + "";
        try { why = (await response.json()).title || why; } catch (e) { /* not JSON */ }
        say(text("msg-failed").replace("{why}", why));
        return;
      }
      sessionStorage.setItem(KEY_FOCUS, String(item));
      sessionStorage.setItem(KEY_FOCUS + ".said", text("msg-saved"));
      window.location.reload();
    } catch (e) {
      say(text("msg-failed").replace("{why}", String(e)));
    }
  }

  panel.parentNode.addEventListener("click", function (event) {
    const button = event.target.closest("button[data-action]");
    if (!button) return;
    const card = button.closest(".card");
    if (card) send(card, button.dataset.action);
  });

  function currentCard() {
    const active = document.activeElement;
    return active ? active.closest(".card[data-item]") : null;
  }

  function move(step) {
    if (!cards.length) return;
    const at = cards.indexOf(currentCard());
    const next = at < 0 ? (step > 0 ? 0 : cards.length - 1) : Math.min(Math.max(at + step, 0), cards.length - 1);
    cards[next].focus();
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (target.closest("input, textarea, select")) return;  // typing a note or a name
    const card = currentCard();
    const stances = {s: "supports", r: "refutes", n: "neutral"};
    if (event.key === "j") { move(1); event.preventDefault(); }
    else if (event.key === "k") { move(-1); event.preventDefault(); }
    else if (card && event.key === "a") { send(card, "accept"); event.preventDefault(); }
    else if (card && event.key === "x") { send(card, "reject"); event.preventDefault(); }
    else if (card && event.key === "u" && card.querySelector("button[data-action=undo]")) {
      send(card, "undo"); event.preventDefault();
    } else if (card && stances[event.key]) {
      card.querySelector(".stance-choice").value = stances[event.key];
      send(card, "stance"); event.preventDefault();
    }
  });

  // After a review: back on the card that was reviewed, and say so.
  const focus = sessionStorage.getItem(KEY_FOCUS);
  if (focus !== null) {
    sessionStorage.removeItem(KEY_FOCUS);
    const said = sessionStorage.getItem(KEY_FOCUS + ".said");
    sessionStorage.removeItem(KEY_FOCUS + ".said");
    const card = document.querySelector('.card[data-item="' + focus + '"]');
    if (card) card.focus();
    if (said) say(said);
  }
})();
