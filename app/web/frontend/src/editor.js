// The code editor: CodeMirror 6 with Python or R, bracket matching, line numbers, search and
// undo. Each coding question gets its own view, and each language of it its own state (so its
// own text and undo history), which survives moving to other questions and languages and back.

import { closeBrackets, closeBracketsKeymap } from "@codemirror/autocomplete";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { python } from "@codemirror/lang-python";
import {
  bracketMatching,
  defaultHighlightStyle,
  indentOnInput,
  indentUnit,
  StreamLanguage,
  syntaxHighlighting,
} from "@codemirror/language";
import { highlightSelectionMatches, search, searchKeymap } from "@codemirror/search";
import { Compartment, EditorState } from "@codemirror/state";
import {
  EditorView,
  drawSelection,
  highlightActiveLine,
  highlightActiveLineGutter,
  keymap,
  lineNumbers,
} from "@codemirror/view";

// Tab indents, so keyboard users need a way out: CodeMirror's tab-focus mode, announced.
function tabEscape(announce) {
  let focusMode = false;
  return keymap.of([
    {
      key: "Ctrl-m",
      mac: "Shift-Alt-m",
      run: (view) => {
        focusMode = !focusMode;
        view.setTabFocusMode(focusMode);
        announce(
          focusMode
            ? "Tab now moves focus out of the editor. Press Control M again to indent with Tab."
            : "Tab now indents code. Press Escape then Tab to leave the editor.",
        );
        return true;
      },
    },
    {
      key: "Escape",
      run: () => {
        if (!focusMode) announce("Press Tab to leave the editor, or Shift Tab to go back.");
        return false; // CodeMirror's own Escape handling enables tab-focus for two seconds.
      },
    },
  ]);
}

const locked = [EditorState.readOnly.of(true), EditorView.editable.of(false)];

// Python is in the page's bundle; R's mode is a chunk of its own, fetched on first use, so a
// test without R questions loads only StreamLanguage (3 KB gzipped) of it.
const LANGUAGES = {
  python: async () => [python(), indentUnit.of("    ")],
  r: async () => {
    const { r } = await import("@codemirror/legacy-modes/mode/r");
    return [StreamLanguage.define(r), indentUnit.of("  ")]; // R code indents by two
  },
};

const loaded = new Map();

export function languageSupport(language) {
  const id = language in LANGUAGES ? language : "python";
  if (!loaded.has(id)) {
    // The chunk could not be fetched (a network cut): edit without highlighting this time.
    const load = LANGUAGES[id]().catch(() => {
      loaded.delete(id);
      return [];
    });
    loaded.set(id, load);
  }
  return loaded.get(id);
}

// `support` is what languageSupport(language) gave; Python's when not given (the practice task).
export function createEditor({ parent, doc, labelId, describedBy, onChange, announce, language = "python", support = null }) {
  const lock = new Compartment();
  const extensions = (support) => [
    lineNumbers(),
    highlightActiveLineGutter(),
    highlightActiveLine(),
    history(),
    drawSelection(),
    EditorState.tabSize.of(4),
    indentOnInput(),
    support,
    syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
    bracketMatching(),
    closeBrackets(),
    search({ top: true }),
    highlightSelectionMatches(),
    tabEscape(announce),
    keymap.of([...closeBracketsKeymap, ...searchKeymap, ...historyKeymap, ...defaultKeymap, indentWithTab]),
    // An explicit tabindex: axe counts it as the focusable content of the scrolling area.
    EditorView.contentAttributes.of({ "aria-labelledby": labelId, "aria-describedby": describedBy, tabindex: "0" }),
    lock.of([]),
    EditorView.cspNonce.of(document.body.dataset.styleNonce || ""),
    EditorView.updateListener.of((update) => {
      if (update.docChanged) onChange(update.state.doc.toString());
    }),
  ];
  const first = support || [python(), indentUnit.of("    ")];
  const view = new EditorView({ parent, state: EditorState.create({ doc, extensions: extensions(first) }) });
  const states = new Map();
  let current = language;
  return {
    view,
    text: () => view.state.doc.toString(),
    // Replacing the text is one undoable change, so a reset can be taken back with Ctrl+Z.
    replace: (text) =>
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } }),
    // Show another language's state: its own text and undo history, made from `doc` the first
    // time. Swapping states is not an edit, so onChange does not fire.
    async switchTo(language, doc) {
      const next = states.get(language) || EditorState.create({ doc, extensions: extensions(await languageSupport(language)) });
      states.set(current, view.state);
      current = language;
      view.setState(next);
    },
    focus: () => view.focus(),
    refresh: () => view.requestMeasure(),
    lock: () => view.dispatch({ effects: lock.reconfigure(locked) }),
  };
}
