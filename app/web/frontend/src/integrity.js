// Integrity signals (paste with its length, copy, leaving the tab or the window with the time
// away, leaving full screen), batched to the events endpoint. Recording never blocks the
// candidate, and nothing here prevents pasting or copying. A batch the server could not take
// (an outage, a restart) goes back to the queue for the next flush; one it refused is dropped.

import { isTransient } from "./api.js";

const FLUSH_MS = 10000;
const MAX_BATCH = 100;
export const MAX_QUEUED = 500;

// The queue and its flushing, apart from the page: send(events, keepalive) returns a promise.
export function eventBatcher(send) {
  const queue = [];
  const flush = (keepalive = false) => {
    if (!queue.length) return Promise.resolve();
    const batch = queue.splice(0, MAX_BATCH);
    return send(batch, keepalive).catch((error) => {
      if (isTransient(error)) queue.unshift(...batch.slice(0, MAX_QUEUED - queue.length));
    });
  };
  const push = (event) => {
    if (queue.length >= MAX_QUEUED) return;
    queue.push(event);
    if (queue.length >= 20) flush();
  };
  return { push, flush, queued: () => queue.length };
}

export function recordIntegrity({ api, currentQuestion, offset }) {
  // Times go out on the server's clock, corrected by the offset the timer measured.
  const now = () => new Date(Date.now() + offset);
  const batcher = eventBatcher((events, keepalive) =>
    (keepalive ? api.beacon : api.post)("/events", { events }),
  );
  const { flush } = batcher;
  let hiddenAt = null;
  let blurredAt = null;
  let wasFullscreen = false;

  const push = (type, extra = {}, at = now()) => {
    const question = currentQuestion();
    batcher.push({ type, at: at.toISOString(), ...(question ? { question_id: question } : {}), ...extra });
  };

  document.addEventListener("paste", (event) => {
    const text = event.clipboardData ? event.clipboardData.getData("text") : "";
    push("paste", { length: text.length });
  });
  document.addEventListener("copy", () => {
    push("copy", { length: String(document.getSelection() || "").length });
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") {
      hiddenAt = now();
      flush(true);
    } else if (hiddenAt) {
      push("tab_hidden", { duration_ms: now() - hiddenAt }, hiddenAt);
      hiddenAt = null;
    }
  });
  window.addEventListener("blur", () => {
    if (document.visibilityState === "visible") blurredAt = now();
  });
  window.addEventListener("focus", () => {
    // Switching tabs also blurs the window; that absence is already counted as tab_hidden.
    if (blurredAt && !hiddenAt) push("window_blur", { duration_ms: now() - blurredAt }, blurredAt);
    blurredAt = null;
  });
  document.addEventListener("fullscreenchange", () => {
    if (document.fullscreenElement) wasFullscreen = true;
    else if (wasFullscreen) {
      wasFullscreen = false;
      push("fullscreen_exit");
    }
  });
  window.addEventListener("pagehide", () => flush(true));
  setInterval(() => flush(), FLUSH_MS);
  return { flush };
}
