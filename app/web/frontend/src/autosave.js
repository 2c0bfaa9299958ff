// Autosave: every change is written to localStorage at once, sent to the server ~1 s later (or at
// once when the candidate leaves a question or the page) with the revision it started from, and
// dropped from localStorage only when the server confirms it. A stale revision is never
// overwritten silently: the page asks the candidate which version to keep. When the server is
// down or answers 503 (its database is), nothing is sent again before its Retry-After or the
// backoff says so; the latest edit of each question goes out once it answers again.

import { ApiError, NetworkError, isTransient } from "./api.js";
import { same } from "./pending.js";
import { retryDelay } from "./retry.js";

const DEBOUNCE_MS = 1000;

export const STATUS = {
  saved: "Saved",
  saving: "Saving…",
  offline: "Offline — your answers are kept here and will be sent when the connection returns",
  retrying: "Server unavailable — not saved yet. Your answers are kept here; saving retries by itself",
};

export class Autosaver {
  constructor({ api, store, onStatus, onSaved, onConflict, onRejected, onClosed }) {
    this.api = api;
    this.store = store;
    this.callbacks = { onStatus, onSaved, onConflict, onRejected, onClosed };
    this.revisions = new Map();
    this.timers = new Map();
    this.inflight = new Map();
    this.offline = !navigator.onLine;
    this.unavailable = false; // the server answered 5xx: it is up, its database may not be
    this.failures = 0; // failed tries in a row, for the backoff
    this.closed = false;
    this.suspended = false;
    this.retryTimer = null; // while set, nothing is sent: the timer sends everything
    window.addEventListener("online", () => {
      this.offline = false;
      this.retryNow();
    });
    window.addEventListener("offline", () => {
      this.offline = true;
      this.report();
    });
  }

  // Take the server's answers, then decide for each unconfirmed local edit whether to resend it,
  // drop it (already saved) or ask the candidate (changed elsewhere). Returns what to display.
  load(serverAnswers) {
    const shown = {};
    for (const [id, saved] of Object.entries(serverAnswers)) {
      this.revisions.set(id, saved.revision);
      shown[id] = saved.response;
    }
    for (const id of this.store.ids()) {
      const record = this.store.get(id);
      const server = serverAnswers[id];
      const revision = server ? server.revision : 0;
      if (server && same(record.response, server.response)) {
        this.store.delete(id);
        continue;
      }
      const ownSaveLanded =
        record.sent && server && record.sent.base === record.base && revision === record.base + 1 &&
        same(record.sent.response, server.response);
      if (record.base === revision || ownSaveLanded) {
        this.store.set(id, { response: record.response, base: revision, sent: null });
        shown[id] = record.response;
        this.schedule(id, 0);
      } else {
        this.store.set(id, { ...record, conflict: true });
        this.callbacks.onConflict(id, record.response, server);
      }
    }
    this.report();
    return shown;
  }

  change(id, response) {
    if (this.closed || this.suspended) return;
    const previous = this.store.get(id);
    if (previous && previous.conflict) {
      this.store.set(id, { ...previous, response });
      return;
    }
    this.store.set(id, {
      response,
      base: this.revisions.get(id) ?? 0,
      sent: previous ? previous.sent : null,
    });
    this.schedule(id, DEBOUNCE_MS);
    this.report();
  }

  schedule(id, delay) {
    clearTimeout(this.timers.get(id));
    this.timers.set(id, setTimeout(() => this.flush(id), delay));
  }

  flush(id) {
    clearTimeout(this.timers.get(id));
    this.timers.delete(id);
    const record = this.store.get(id);
    if (!record || record.conflict || record.rejected || this.closed || this.suspended) {
      return Promise.resolve();
    }
    if (this.inflight.has(id)) return this.inflight.get(id).then(() => this.flush(id));
    if ((this.offline && !navigator.onLine) || this.retryTimer !== null) {
      this.report();
      return Promise.resolve();
    }
    const promise = this.send(id, record).finally(() => {
      this.inflight.delete(id);
      this.report();
    });
    this.inflight.set(id, promise);
    this.report();
    return promise;
  }

  async send(id, record) {
    const sent = { response: record.response, base: record.base };
    this.store.set(id, { ...record, sent });
    try {
      const saved = await this.api.put(`/answers/${encodeURIComponent(id)}`, {
        response: sent.response,
        base_revision: sent.base,
      });
      this.recovered();
      this.revisions.set(id, saved.revision);
      const current = this.store.get(id);
      if (!current || same(current.response, sent.response)) this.store.delete(id);
      else {
        this.store.set(id, { response: current.response, base: saved.revision, sent: null });
        this.schedule(id, DEBOUNCE_MS);
      }
      this.callbacks.onSaved(id, saved);
    } catch (error) {
      await this.failed(id, error);
    }
  }

  async failed(id, error) {
    if (isTransient(error)) {
      // No answer at all reads as offline; an answer of 5xx means the server is up but can't save.
      this.offline = error instanceof NetworkError;
      this.unavailable = !this.offline;
      // Saves of several questions fail together: one wait for all of them, one step of backoff.
      if (this.retryTimer === null) {
        this.failures += 1;
        this.retryTimer = setTimeout(() => this.retryNow(), retryDelay(error, this.failures));
      }
      return;
    }
    if (!(error instanceof ApiError)) throw error;
    const record = this.store.get(id);
    if (error.code === "revision-conflict") {
      let adopted;
      try {
        adopted = record && (await this.adoptOwnSave(id, record));
      } catch (lookup) {
        return this.failed(id, lookup); // the server went away in between: retry the save later
      }
      if (adopted) return;
      if (record) this.store.set(id, { ...record, conflict: true });
      this.callbacks.onConflict(id, record && record.response, null);
    } else if (error.code === "attempt-expired" || error.code === "attempt-submitted") {
      this.closed = true;
      this.callbacks.onClosed(error);
    } else {
      // Too large or not a valid answer: the last good save stays; the candidate is told why.
      if (record) this.store.set(id, { ...record, rejected: true });
      this.callbacks.onRejected(id, error);
    }
  }

  // A conflict may be this page's own earlier save landing late (sent as the previous page load
  // went away, it reached the server after this one loaded): the server then holds exactly what
  // was sent. Adopt its revision instead of asking the candidate to choose between two copies.
  async adoptOwnSave(id, record) {
    let latest;
    try {
      latest = await this.api.get("");
    } catch (error) {
      if (isTransient(error)) throw error;
      return false;
    }
    const saved = (latest.answers || {})[id];
    const sent = record.sent ? record.sent.response : record.response;
    if (!saved || !same(saved.response, sent)) return false;
    this.revisions.set(id, saved.revision);
    const current = this.store.get(id);
    if (!current || same(current.response, saved.response)) this.store.delete(id);
    else {
      this.store.set(id, { response: current.response, base: saved.revision, sent: null });
      this.schedule(id, DEBOUNCE_MS);
    }
    this.callbacks.onSaved(id, saved);
    return true;
  }

  flushAll() {
    return Promise.all(this.store.ids().map((id) => this.flush(id)));
  }

  // The wait is over (or the connection came back): send every unsaved answer, latest content.
  retryNow() {
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    return this.flushAll();
  }

  // The server confirmed a save: it is reachable again. Answers held back by a wait go out now.
  recovered() {
    const waited = this.retryTimer !== null;
    this.offline = false;
    this.unavailable = false;
    this.failures = 0;
    if (waited) setTimeout(() => this.retryNow(), 0);
  }

  // The candidate chose a version after a conflict: keep theirs here (resend it on top of the
  // newest revision) or take the server's (drop the local one).
  resolve(id, { keepLocal, serverRevision }) {
    const record = this.store.get(id);
    this.revisions.set(id, serverRevision);
    if (!record || !keepLocal) {
      this.store.delete(id);
    } else {
      this.store.set(id, { response: record.response, base: serverRevision, sent: null });
      this.schedule(id, 0);
    }
    this.report();
  }

  suspend() {
    this.suspended = true;
    this.store.freeze();
    for (const timer of this.timers.values()) clearTimeout(timer);
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  hasUnsaved() {
    return this.store.ids().length > 0;
  }

  conflicts() {
    return this.store.ids().filter((id) => this.store.get(id).conflict);
  }

  blocked() {
    return this.store.ids().filter((id) => {
      const record = this.store.get(id);
      return record.conflict || record.rejected;
    });
  }

  report() {
    if (this.closed || this.suspended) return;
    const waiting = this.store.ids().filter((id) => {
      const record = this.store.get(id);
      return !record.conflict && !record.rejected;
    });
    let state = "saved";
    if (this.offline && (waiting.length || !navigator.onLine)) state = "offline";
    else if (this.unavailable && waiting.length) state = "retrying";
    else if (waiting.length || this.inflight.size) state = "saving";
    else if (this.blocked().length) state = "error";
    this.callbacks.onStatus(state);
  }
}
