// Typeset the TeX that the server left in .math elements (rendered from Markdown) with KaTeX.

import katex from "katex";

export function typesetMath(root) {
  for (const element of root.querySelectorAll(".math.inline, .math.block")) {
    if (element.dataset.typeset) continue;
    const tex = element.textContent.trim();
    try {
      katex.render(tex, element, {
        displayMode: element.classList.contains("block"),
        throwOnError: false,
        output: "htmlAndMathml", // MathML for screen readers, HTML for the eye
      });
      element.dataset.typeset = "1";
    } catch {
      element.textContent = tex;
    }
  }
}
