// The recruiter pages' progressive enhancement: htmx swaps one member's row in place when a
// role changes; invitation links are copied to the clipboard. Every form works without it (plain
// POST, redirect, full page).
import htmx from "htmx.org";

import { enableCopyButtons } from "./copy_link.js";

htmx.config.allowEval = false; // the page's CSP forbids eval anyway
htmx.config.allowScriptTags = false;
htmx.config.includeIndicatorStyles = false; // an injected <style> would break the strict CSP
htmx.config.selfRequestsOnly = true;

// A refused change (403, 409) is explained by the server's full error page: send the same form
// again the plain way, which htmx does not intercept.
document.body.addEventListener("htmx:responseError", (event) => {
  const form = event.detail.elt.closest("form");
  if (form) form.submit();
});

enableCopyButtons(document);

// The builder is one form with several buttons: Enter in its search field runs the search
// instead of the form's first button (Save), and the matches take the focus once shown.
document.addEventListener("keydown", (event) => {
  const field = event.target;
  if (event.key !== "Enter" || !(field instanceof HTMLInputElement) || !field.dataset.enterClicks) return;
  const button = document.getElementById(field.dataset.enterClicks);
  if (!button) return;
  event.preventDefault();
  button.click();
});
document.querySelector("[data-autofocus]")?.focus();
// The builder's summary follows the time limit as it is typed (the rest needs the server).
for (const mirror of document.querySelectorAll("[data-mirror]")) {
  const field = document.getElementById(mirror.dataset.mirror);
  field?.addEventListener("input", () => (mirror.textContent = field.value.trim() || "?"));
}
