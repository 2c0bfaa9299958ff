// The end page: tell the candidate about edits that reached the server too late, then forget
// them; and when the result is shown but still being graded, fetch this page again until it is
// ready and put the result in place (no reload, nothing for the candidate to do).

import { PendingStore } from "./pending.js";

const GIVE_UP_MS = 15 * 60_000;

export function startEndPage(body) {
  reportUnsent(new PendingStore(body.dataset.attempt));
  const pending = document.querySelector("[data-result-pending]");
  if (pending) awaitResult(pending);
}

function reportUnsent(store) {
  const count = store.ids().length;
  if (!count) return;
  const notice = document.querySelector("[data-unsent]");
  notice.textContent =
    count === 1
      ? "One change made in the last moments (or while offline) reached the server after the time limit and could not be saved. Everything saved before it was submitted."
      : `${count} changes made in the last moments (or while offline) reached the server after the time limit and could not be saved. Everything saved before it was submitted.`;
  notice.hidden = false;
  store.clear();
}

async function awaitResult(pending) {
  const section = pending.closest("section");
  const began = Date.now();
  let wait = 2000;
  while (Date.now() - began < GIVE_UP_MS) {
    await new Promise((resolve) => setTimeout(resolve, wait));
    wait = Math.min(wait * 1.5, 15_000);
    const fresh = await freshResult();
    if (fresh && !fresh.querySelector("[data-result-pending]")) {
      section.replaceChildren(...fresh.childNodes);
      document.querySelector("[data-result-status]").textContent = "Your result is ready.";
      return;
    }
  }
  pending.textContent = "Grading is taking longer than usual. Reload this page later to see your result.";
}

async function freshResult() {
  try {
    const response = await fetch(location.href, { cache: "no-store", headers: { Accept: "text/html" } });
    if (!response.ok) return null;
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    return page.querySelector("section.result");
  } catch {
    return null; // offline for a moment: the next try comes
  }
}
