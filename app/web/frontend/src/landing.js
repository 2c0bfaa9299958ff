// The landing page's optional practice question: the real editor and run button on a tiny
// unscored task, before the clock starts.

import { takeApi } from "./api.js";
import { createEditor } from "./editor.js";
import { typesetMath } from "./math.js";
import { RunPanel } from "./runs.js";

export async function startLanding(body) {
  const section = document.querySelector("[data-practice]");
  if (!section) return;
  typesetMath(section);
  const api = takeApi(body.dataset.api);
  let practice;
  try {
    practice = await api.get("/practice");
  } catch {
    section.hidden = true; // the practice task can't be had now: say nothing about it
    return;
  }
  const mount = section.querySelector("[data-practice-editor]");
  const announcer = document.createElement("div");
  announcer.className = "visually-hidden";
  announcer.setAttribute("aria-live", "assertive");
  mount.innerHTML = `
    <div class="editor-label" id="editor-label-practice">Your practice code <span class="muted">(Python)</span></div>
    <div class="editor"></div>
    <p class="hint" id="editor-hint-practice">Tab indents. To leave the editor with the keyboard, press <kbd>Esc</kbd> then <kbd>Tab</kbd>, or <kbd>Ctrl</kbd>+<kbd>M</kbd> to make Tab move focus.</p>
    <div class="actions"><button type="button" class="button">Run public checks</button></div>
    <section class="results" aria-labelledby="results-title-practice">
      <h3 id="results-title-practice" class="results-title">Results of the public checks</h3>
      <div class="results-body" aria-live="polite"><p class="muted">Run the public checks to see how results are shown.</p></div>
    </section>`;
  mount.append(announcer);
  const editor = createEditor({
    parent: mount.querySelector(".editor"),
    doc: practice.starter,
    labelId: "editor-label-practice",
    describedBy: "editor-hint-practice",
    announce: (message) => (announcer.textContent = message),
    onChange: () => {},
  });
  new RunPanel({
    api,
    runPath: "/practice/run",
    button: mount.querySelector(".actions .button"),
    body: mount.querySelector(".results-body"),
    getSource: () => editor.text(),
  });
  // The editor measures itself when the folded practice task is opened.
  section.querySelector("details").addEventListener("toggle", () => editor.refresh());
}
