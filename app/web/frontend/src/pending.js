// Edits the server has not confirmed yet, kept in localStorage so a reload, a crash or a network
// cut loses nothing. One record per question: {response, base, sent}. `base` is the revision the
// edit started from; `sent` is what is in flight, so a reload can tell its own save from another
// tab's.

export class PendingStore {
  constructor(attemptId) {
    this.key = `chainrule:${attemptId}:pending`;
    this.frozen = false;
    this.records = this.read();
  }

  read() {
    try {
      return JSON.parse(localStorage.getItem(this.key) || "{}") || {};
    } catch {
      return {};
    }
  }

  write() {
    if (this.frozen) return;
    try {
      if (Object.keys(this.records).length) localStorage.setItem(this.key, JSON.stringify(this.records));
      else localStorage.removeItem(this.key);
    } catch {
      // Storage full or denied: the server copy and the page's memory still hold the edit.
    }
  }

  get(questionId) {
    return this.records[questionId];
  }

  set(questionId, record) {
    this.records[questionId] = record;
    this.write();
  }

  delete(questionId) {
    delete this.records[questionId];
    this.write();
  }

  ids() {
    return Object.keys(this.records);
  }

  clear() {
    this.records = {};
    this.write();
  }

  // Another tab took over: it owns the records from now on.
  freeze() {
    this.frozen = true;
  }
}

export const same = (a, b) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
