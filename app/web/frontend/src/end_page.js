// The end page: tell the candidate about edits that reached the server too late, then forget them.

import { PendingStore } from "./pending.js";

export function startEndPage(body) {
  const store = new PendingStore(body.dataset.attempt);
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
