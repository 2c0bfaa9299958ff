// The code editor: CodeMirror 6 with Python, 4-space indents, bracket matching, line numbers,
// search and undo. Each coding question gets its own view (and so its own state and undo
// history), which survives moving to other questions and back.

import { closeBrackets, closeBracketsKeymap } from "@codemirror/autocomplete";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { python } from "@codemirror/lang-python";
import {
  bracketMatching,
  defaultHighlightStyle,
  indentOnInput,
  indentUnit,
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

export function createEditor({ parent, doc, labelId, describedBy, onChange, announce }) {
  const lock = new Compartment();
  const extensions = [
    lineNumbers(),
    highlightActiveLineGutter(),
    highlightActiveLine(),
    history(),
    drawSelection(),
    EditorState.tabSize.of(4),
    indentUnit.of("    "),
    indentOnInput(),
    python(),
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
  const view = new EditorView({ parent, state: EditorState.create({ doc, extensions }) });
  return {
    view,
    text: () => view.state.doc.toString(),
    // Replacing the text is one undoable change, so a reset can be taken back with Ctrl+Z.
    replace: (text) =>
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } }),
    focus: () => view.focus(),
    refresh: () => view.requestMeasure(),
    lock: () => view.dispatch({ effects: lock.reconfigure(locked) }),
  };
}
