// Recoupe's page: the review bar's keyboard shortcuts, and a busy message while a claim is checked. The page
// works without this file: the review bar is a plain form (the passage chosen in its menu); this file makes
// the focused evidence card the bar's passage and sends the bar from the keyboard.
"use strict";

(function () {
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

  // ---------------------------------------------------------------- review bar
  const bar = document.getElementById("review-bar");
  if (!bar) return;
  const picker = document.getElementById("review-item");
  const stance = document.getElementById("review-stance");
  const cards = Array.from(document.querySelectorAll(".card[data-item]"));

  // The focused (or clicked) card is the bar's passage; the bar's stance menu starts at the card's stance.
  function pick(card) {
    if (!card || picker.value === card.dataset.item) return;
    picker.value = card.dataset.item;
    const option = picker.selectedOptions[0];
    if (option) stance.value = option.dataset.stance;
    cards.forEach(function (c) { c.classList.toggle("picked", c === card); });
  }
  cards.forEach(function (card) {
    card.addEventListener("focusin", function () { pick(card); });
    card.addEventListener("click", function (event) {
      if (!event.target.closest("a, button, summary, textarea")) card.focus();
    });
  });
  picker.addEventListener("change", function () {
    const card = document.getElementById("e" + picker.value);
    cards.forEach(function (c) { c.classList.toggle("picked", c === card); });
  });

  function currentCard() {
    const active = document.activeElement;
    return active ? active.closest(".card[data-item]") : null;
  }

  function show(card) {
    card.focus({preventScroll: true});
    card.scrollIntoView({block: "center"});  // not under the bar, which stays at the top
  }

  function move(step) {
    if (!cards.length) return;
    const at = cards.indexOf(currentCard());
    const next = at < 0 ? (step > 0 ? 0 : cards.length - 1) : Math.min(Math.max(at + step, 0), cards.length - 1);
    show(cards[next]);
  }

  function send(action) {
    const button = bar.querySelector('button[name=action][value="' + action + '"]');
    if (typeof bar.requestSubmit === "function") bar.requestSubmit(button); else button.click();
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.target.closest("input, textarea, select")) return;  // typing a note or a name
    const card = currentCard();
    const stances = {s: "supports", r: "refutes", n: "neutral"};
    const actions = {a: "accept", x: "reject", u: "undo"};
    if (event.key === "j") { move(1); event.preventDefault(); }
    else if (event.key === "k") { move(-1); event.preventDefault(); }
    else if (card && actions[event.key]) { pick(card); send(actions[event.key]); event.preventDefault(); }
    else if (card && stances[event.key]) {
      pick(card);
      stance.value = stances[event.key];
      send("stance");
      event.preventDefault();
    }
  });

  // After a review (?reviewed=<item>): back on the card that was reviewed.
  const reviewed = new URLSearchParams(window.location.search).get("reviewed");
  const card = reviewed !== null ? document.getElementById("e" + reviewed) : null;
  if (card) show(card);
})();
