// The test page: questions and their answers, navigation, flags, autosave, the timer, runs,
// the second-tab guard and submitting. The server rendered the questions; this module brings
// them to life from GET /api/v1/take/{token}.

import { isTransient, takeApi } from "./api.js";
import { Autosaver, STATUS } from "./autosave.js";
import { createEditor, languageSupport } from "./editor.js";
import { recordIntegrity } from "./integrity.js";
import { typesetMath } from "./math.js";
import { applyResponse, readResponse } from "./concepts.js";
import { draftFor, languageName, questionLanguages, startingLanguage } from "./languages.js";
import { PendingStore } from "./pending.js";
import { retryDelay, sleep } from "./retry.js";
import { RunPanel } from "./runs.js";
import { onNewerTab } from "./tabs.js";
import { clockOffset, startTimer } from "./timer.js";

const RESYNC_MS = 60_000;
const $ = (selector, root = document) => root.querySelector(selector);
const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];

export async function startTestPage(body) {
  const api = takeApi(body.dataset.api);
  const attemptId = body.dataset.attempt;
  const endUrl = body.dataset.endUrl;
  const announcer = $("[data-announcer]");
  const announce = (message) => {
    announcer.textContent = "";
    setTimeout(() => (announcer.textContent = message), 50);
  };
  const banner = $("[data-banner]");
  const saveStatus = $("#save-status");
  const sections = $$("section.question");
  const ids = sections.map((s) => s.dataset.question);
  const editors = new Map();
  const coding = new Map(); // question id -> its language controls (see setupCoding)
  const flags = new Set();
  const answered = new Set();
  let current = null;
  let ending = false;

  typesetMath(document);

  let sentAt;
  let take;
  let date;
  // A server that is down or answers 503 is tried again by itself: answers not yet saved wait
  // in localStorage and go out as soon as the test loads.
  for (let failures = 1; ; failures += 1) {
    sentAt = Date.now();
    try {
      ({ data: take, date } = await api.getTimed(""));
      banner.hidden = true;
      break;
    } catch (error) {
      if (!isTransient(error)) {
        showStatus("error", "Not loaded");
        showBanner("The test could not be loaded. Check your connection and reload the page; your saved answers are safe.");
        return;
      }
      if (failures === 1) {
        // What the candidate enters now waits here until the test loads; the page says so.
        showStatus("retrying", "Not loaded yet — retrying");
        showBanner("The test could not be loaded yet: the server or your connection is unavailable. Your saved answers are safe; this page tries again by itself.");
      }
      await sleep(retryDelay(error, failures));
    }
  }
  if (take.status !== "started") {
    window.location.assign(endUrl);
    return;
  }
  const offset = clockOffset(take.server_time || date, sentAt, Date.now());
  const questions = new Map((take.questions || []).map((q) => [q.id, q]));
  for (const id of take.flagged || []) flags.add(id);

  const store = new PendingStore(attemptId);
  const saver = new Autosaver({
    api,
    store,
    onStatus: (state) =>
      showStatus(state, state === "error" ? "Not saved — see the message on this page" : STATUS[state]),
    onSaved: (id) => {
      // A refusal ("Not saved: ...") is over once a later version of the answer is saved.
      const error = $("[data-error]", sectionOf(id));
      if (error && error.textContent.startsWith("Not saved")) error.textContent = "";
    },
    onConflict: (id, mine) => showConflict(id, mine),
    onRejected: (id, error) => {
      const section = sectionOf(id);
      const message = `Not saved: ${error.detail} Your last saved answer is kept.`;
      $("[data-error]", section).textContent = message;
      announce(message);
    },
    onClosed: () => finish(),
  });

  // A newer tab of this attempt in this browser takes over; this one stops writing so that no
  // edit is overwritten without the candidate knowing.
  onNewerTab(attemptId, () => standDown());

  const shown = saver.load(take.answers || {});

  for (const section of sections) await setupQuestion(section, shown[section.dataset.question]);
  for (const id of ids) renderFlag(id);

  const integrity = recordIntegrity({ api, currentQuestion: () => current, offset });
  const timer = startTimer({
    deadline: take.deadline,
    offset,
    display: $("[data-time-left]"),
    timer: $("#timer"),
    announce,
    onFinalCall: () => saver.flushAll(),
    onEnd: () => finish(),
  });
  // The server's deadline can move (extra time granted during the test) and this clock drift
  // (a laptop asleep): check both every minute and whenever the candidate comes back.
  setInterval(resyncClock, RESYNC_MS);
  window.addEventListener("online", resyncClock);

  // The page is served with these buttons disabled: a click before the script is live would
  // do nothing, silently (a slow connection, a busy machine). They come to life together here,
  // unless a newer tab took over while the page was setting up.
  if (!saver.suspended) for (const button of $$("[data-until-live]")) button.disabled = false;
  const first = ids.includes(location.hash.slice(1)) ? location.hash.slice(1) : ids[0];
  goTo(first, { focus: false });
  window.addEventListener("hashchange", () => {
    const id = location.hash.slice(1);
    if (ids.includes(id) && id !== current) goTo(id);
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") saver.flushAll();
    else resyncClock();
  });
  // Leaving the page sends what is pending at once; no "are you sure" prompt is needed, since
  // unsent edits stay in localStorage and go out on the next visit.
  window.addEventListener("pagehide", () => saver.flushAll());

  $("[data-action='open-submit']").addEventListener("click", openSubmit);
  setupDialogs();

  async function resyncClock() {
    if (ending) return;
    const sent = Date.now();
    let fresh;
    let freshDate;
    try {
      ({ data: fresh, date: freshDate } = await api.getTimed(""));
    } catch {
      return; // offline or a hiccup: the next try comes soon enough
    }
    if (fresh.status !== "started") {
      finish(); // submitted from another device, or ended on the server
      return;
    }
    const moved = timer.resync(fresh.deadline, clockOffset(fresh.server_time || freshDate, sent, Date.now()));
    if (moved > 0) announce(`Your time was extended by ${moved} minute${moved === 1 ? "" : "s"}.`);
  }

  function sectionOf(id) {
    return sections[ids.indexOf(id)];
  }

  async function setupQuestion(section, response) {
    const id = section.dataset.question;
    const kind = section.dataset.kind;
    if (kind === "coding") {
      await setupCoding(section, response);
    } else {
      applyResponse(section, kind, response);
      markAnswered(id, Boolean(response));
      section.addEventListener("change", () => readConcept(section, kind));
      const numeric = $("[data-numeric]", section);
      if (numeric) {
        numeric.addEventListener("input", () => readConcept(section, kind, { quiet: true }));
        numeric.addEventListener("blur", () => readConcept(section, kind));
      }
      // What was entered before this script was ready (the test was still loading, or waiting
      // for the server) is an answer too.
      const early = response ? null : readResponse(section, kind, { quiet: true });
      if (early && (kind !== "multi_choice" || early.choices.length)) readConcept(section, kind, { quiet: true });
    }
    $("[data-action='prev']", section).addEventListener("click", () => step(-1));
    $("[data-action='next']", section).addEventListener("click", () => step(1));
    $("[data-action='flag']", section).addEventListener("click", () => toggleFlag(id));
  }

  // A coding question: its editor, its language picker (each language keeps its own code) and
  // its runs, which go out in the language shown.
  async function setupCoding(section, response) {
    const id = section.dataset.question;
    const languages = questionLanguages(questions.get(id) || {});
    const saved = { shown: response, drafts: ((take.answers || {})[id] || {}).drafts };
    let language = startingLanguage(languages, response);
    const starter = () => languages.find((l) => l.id === language).starter;
    const editor = createEditor({
      parent: $("[data-editor]", section),
      doc: draftFor(languages, saved, language),
      language,
      support: await languageSupport(language),
      labelId: `editor-label-${id}`,
      describedBy: `editor-hint-${id} error-${id}`,
      announce,
      onChange: (source) => {
        markAnswered(id, source.trim() !== starter().trim() || answered.has(id));
        saver.change(id, { source, language });
      },
    });
    editors.set(id, editor);
    const select = $("[data-language]", section);
    const show = async (next, text = null) => {
      await editor.switchTo(next, draftFor(languages, saved, next));
      language = next;
      if (text !== null && text !== editor.text()) editor.replace(text);
      if (select) select.value = next;
      for (const statement of $$("[data-statement]", section)) statement.hidden = statement.dataset.statement !== next;
      $("[data-language-name]", section).textContent = `(${languageName(languages, next)})`;
    };
    coding.set(id, { show, starter, language: () => language });
    if (select) {
      select.value = language;
      select.addEventListener("change", () => switchLanguage(id, select.value));
    }
    new RunPanel({
      api,
      runPath: `/answers/${encodeURIComponent(id)}/run`,
      button: $("[data-action='run']", section),
      body: $("[data-results]", section),
      getSource: () => editor.text(),
      getLanguage: () => language,
      languageName: (lang) => languageName(languages, lang),
    });
    $("[data-action='reset']", section).addEventListener("click", () => openReset(id));
    markAnswered(id, Boolean(response));
  }

  async function switchLanguage(id, next) {
    const code = coding.get(id);
    const previous = code.language();
    if (next === previous) return;
    const section = sectionOf(id);
    const select = $("[data-language]", section);
    select.disabled = true;
    // The unsent edit of a question is kept as one record, so the code in the language left is
    // sent before the other language's takes its place; if it can't be, nothing switches.
    await saver.flush(id);
    if (saver.store.get(id)) {
      select.value = previous;
      select.disabled = false;
      const name = select.querySelector(`option[value="${CSS.escape(previous)}"]`).textContent;
      const why = saver.offline ? " (you are offline)" : saver.unavailable ? " (the server is unavailable)" : "";
      const message = `The language was not switched: your ${name} code is not saved yet${why}. It is kept here; switch again once it is saved.`;
      $("[data-error]", section).textContent = message;
      announce(message);
      return;
    }
    await code.show(next);
    select.disabled = false;
    const error = $("[data-error]", section);
    if (error.textContent.startsWith("The language was not switched")) error.textContent = "";
    const editor = editors.get(id);
    // Saved at once in the new language, so a reload or another device resumes in it.
    saver.change(id, { source: editor.text(), language: next });
    markAnswered(id, true);
    const name = select.selectedOptions[0].textContent;
    announce(`Switched to ${name}. The editor shows your ${name} code.`);
  }

  function readConcept(section, kind, { quiet = false } = {}) {
    const read = readResponse(section, kind, { quiet });
    if (!read) return;
    const id = section.dataset.question;
    markAnswered(id, kind !== "multi_choice" || read.choices.length > 0);
    saver.change(id, read);
  }

  function markAnswered(id, yes) {
    if (yes) answered.add(id);
    else answered.delete(id);
    const link = $(`[data-goto="${CSS.escape(id)}"]`);
    link.dataset.status = yes ? "answered" : "unanswered";
    $(`[data-state-for="${CSS.escape(id)}"]`).textContent = yes ? "Answered" : "Not answered";
  }

  function goTo(id, { focus = true } = {}) {
    if (current && current !== id) saver.flush(current); // leaving a question saves it at once
    current = id;
    sections.forEach((section) => (section.hidden = section.dataset.question !== id));
    for (const link of $$("[data-goto]")) {
      if (link.dataset.goto === id) link.setAttribute("aria-current", "step");
      else link.removeAttribute("aria-current");
    }
    const index = ids.indexOf(id);
    const section = sectionOf(id);
    const prev = $("[data-action='prev']", section);
    prev.toggleAttribute("disabled", index === 0);
    $("[data-action='next']", section).textContent = index === ids.length - 1 ? "Review and submit" : "Next";
    if (location.hash.slice(1) !== id) history.replaceState(null, "", `#${id}`);
    const editor = editors.get(id);
    if (editor) editor.refresh();
    if (focus) $(`#heading-${CSS.escape(id)}`).focus();
  }

  function step(delta) {
    const index = ids.indexOf(current) + delta;
    if (index >= ids.length) openSubmit();
    else if (index >= 0) goTo(ids[index]);
  }

  async function toggleFlag(id) {
    const flagged = !flags.has(id);
    if (flagged) flags.add(id);
    else flags.delete(id);
    renderFlag(id);
    announce(flagged ? "Flagged for review." : "Flag removed.");
    try {
      await api.put(`/flags/${encodeURIComponent(id)}`, { flagged });
    } catch {
      // A flag is a note to oneself: if it could not be stored, the page still shows it.
    }
  }

  function renderFlag(id) {
    const on = flags.has(id);
    $(`[data-flag-for="${CSS.escape(id)}"]`).hidden = !on;
    $("[data-action='flag']", sectionOf(id)).setAttribute("aria-pressed", String(on));
  }

  // The save status: the autosaver's once it exists, the test's loading before.
  function showStatus(state, text) {
    saveStatus.dataset.state = state;
    if (saveStatus.textContent !== text) saveStatus.textContent = text; // unchanged: not announced again
  }

  function showBanner(message, actions = []) {
    banner.replaceChildren(document.createTextNode(message));
    if (actions.length) {
      const row = document.createElement("div");
      for (const [label, handler] of actions) {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "button";
        button.textContent = label;
        button.addEventListener("click", handler);
        row.append(button);
      }
      banner.append(row);
    }
    banner.hidden = false;
  }

  function showConflict(id, mine) {
    const number = ids.indexOf(id) + 1;
    showBanner(
      `Your answer to question ${number} was changed in another tab or window after this page loaded. Nothing was overwritten: choose which version to keep.`,
      [
        ["Keep this tab's version", () => resolveConflict(id, true, mine)],
        ["Use the other version", () => resolveConflict(id, false, mine)],
      ],
    );
    announce(`Question ${number} was changed in another tab or window.`);
  }

  async function resolveConflict(id, keepLocal) {
    banner.hidden = true;
    let latest;
    try {
      latest = await api.get("");
    } catch {
      showBanner("Could not reach the server to compare the versions. Try again when the connection returns.");
      return;
    }
    const saved = (latest.answers || {})[id];
    if (!keepLocal && saved) {
      // While the conflict stands, this edit only updates the local record; resolve drops it.
      const section = sectionOf(id);
      if (section.dataset.kind === "coding") {
        await coding.get(id).show(saved.response.language || "python", saved.response.source);
      } else applyResponse(section, section.dataset.kind, saved.response);
    }
    saver.resolve(id, { keepLocal, serverRevision: saved ? saved.revision : 0 });
    banner.hidden = true;
    // Several questions may have been changed elsewhere: ask about the next one.
    const next = saver.conflicts()[0];
    if (next) showConflict(next, saver.store.get(next).response);
    else announce("Your choice was kept.");
  }

  function standDown() {
    saver.suspend();
    for (const editor of editors.values()) editor.lock();
    $(".test-layout").inert = true;
    $("[data-action='open-submit']").disabled = true;
    saveStatus.textContent = "Paused in this tab";
    showBanner(
      "This test is now open in another tab or window. This tab stopped saving so that no answer is overwritten. Continue in the other tab, or use this one instead.",
      [["Use this tab instead", () => window.location.reload()]],
    );
  }

  function setupDialogs() {
    const submitDialog = $("[data-submit-dialog]");
    $("[data-action='cancel-submit']").addEventListener("click", () => submitDialog.close());
    $("[data-action='confirm-submit']").addEventListener("click", submit);
    const resetDialog = $("[data-reset-dialog]");
    $("[data-action='cancel-reset']").addEventListener("click", () => resetDialog.close());
    $("[data-action='confirm-reset']").addEventListener("click", () => {
      const id = resetDialog.dataset.question;
      editors.get(id).replace(coding.get(id).starter());
      resetDialog.close();
      editors.get(id).focus();
      announce("The starter code is back. Press Control Z to undo.");
    });
  }

  function openReset(id) {
    const dialog = $("[data-reset-dialog]");
    dialog.dataset.question = id;
    dialog.showModal();
  }

  function openSubmit() {
    saver.flushAll();
    const dialog = $("[data-submit-dialog]");
    const summary = $("[data-submit-summary]");
    const list = (title, items) => {
      const heading = document.createElement("p");
      heading.textContent = title;
      const ul = document.createElement("ul");
      for (const id of items) {
        const li = document.createElement("li");
        li.textContent = `Question ${ids.indexOf(id) + 1}: ${$(`[data-goto="${CSS.escape(id)}"] .q-title`).textContent}`;
        ul.append(li);
      }
      return [heading, ul];
    };
    const unanswered = ids.filter((id) => !answered.has(id));
    const flagged = ids.filter((id) => flags.has(id));
    const parts = [];
    if (unanswered.length) parts.push(...list(`Not answered (${unanswered.length}):`, unanswered));
    if (flagged.length) parts.push(...list(`Flagged for review (${flagged.length}):`, flagged));
    if (!parts.length) {
      const p = document.createElement("p");
      p.textContent = "You answered every question and flagged none.";
      parts.push(p);
    }
    summary.replaceChildren(...parts);
    dialog.showModal();
  }

  async function submit() {
    const button = $("[data-action='confirm-submit']");
    button.disabled = true;
    await saver.flushAll();
    if (saver.hasUnsaved()) {
      button.disabled = false;
      submitError(
        saver.offline
          ? "Not submitted: some answers are not saved yet because you are offline. They are kept here. Submit again when the connection returns."
          : saver.unavailable
            ? "Not submitted: the server is unavailable, so some answers are not saved yet. They are kept here and saving retries by itself. Submit again when the status at the top says Saved."
            : "Some answers could not be saved; see the message on the page before submitting.",
      );
      return;
    }
    try {
      await api.post("/submit");
    } catch (error) {
      if (!(error.code === "attempt-submitted" || error.code === "attempt-expired")) {
        button.disabled = false;
        submitError(
          isTransient(error)
            ? "Not submitted: the server could not be reached or is unavailable. Your answers are saved. Try again in a few seconds."
            : `The test was not submitted: ${error.message}. Try again.`,
        );
        return;
      }
    }
    ending = true;
    integrity.flush(true);
    window.location.assign(endUrl);
  }

  // One message at a time, read out at once: the candidate is waiting on this button.
  function submitError(message) {
    const summary = $("[data-submit-summary]");
    for (const old of $$("[data-submit-error]", summary)) old.remove();
    const p = document.createElement("p");
    p.className = "field-error";
    p.dataset.submitError = "";
    p.setAttribute("role", "alert");
    p.textContent = message;
    summary.append(p);
  }

  async function finish() {
    if (ending) return;
    ending = true;
    await Promise.race([saver.flushAll(), new Promise((resolve) => setTimeout(resolve, 3000))]);
    if (!navigator.onLine) {
      // The end page can't load offline: say so here, and go there when the connection returns.
      $(".test-layout").inert = true;
      showBanner(
        "Time is up. You are offline: answers saved before the deadline were submitted. This page will move on when the connection returns.",
      );
      await new Promise((resolve) => window.addEventListener("online", resolve, { once: true }));
      await Promise.race([saver.flushAll(), new Promise((resolve) => setTimeout(resolve, 3000))]);
    }
    integrity.flush(true);
    window.location.assign(endUrl);
  }
}
