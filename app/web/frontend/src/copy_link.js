// "Copy link" buttons of the invitations page: the link goes to the clipboard and the page's
// live region says so. Names come from data attributes and are written as text, never markup.
export function enableCopyButtons(root) {
  const status = root.querySelector("[data-copy-status]");
  if (!status) return;
  const say = (text) => {
    status.textContent = "";
    // A fresh text node after a tick, so a screen reader announces the same message twice too.
    setTimeout(() => { status.textContent = text; }, 50);
  };
  root.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-copy]");
    if (!button) return;
    const name = button.dataset.copyName;
    try {
      await navigator.clipboard.writeText(button.dataset.copy);
      say(`Link of ${name} copied to the clipboard.`);
    } catch {
      say(`The browser refused the clipboard. The link of ${name} is ${button.dataset.copy}`);
    }
  });
  // Served disabled: before this script is live a click would do nothing, silently.
  for (const button of root.querySelectorAll("button[data-copy]")) button.disabled = false;
}
