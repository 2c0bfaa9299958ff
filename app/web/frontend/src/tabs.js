// Two tabs of one test in one browser: the newer one announces itself and the older one is told,
// so only one tab writes (they share the pending edits in localStorage).

export function onNewerTab(attemptId, handler) {
  if (!("BroadcastChannel" in window)) return;
  const tab = `${Date.now()}-${Math.random()}`;
  const channel = new BroadcastChannel(`chainrule:${attemptId}`);
  channel.onmessage = (event) => {
    if (event.data && event.data.type === "opened" && event.data.tab !== tab) handler();
  };
  channel.postMessage({ type: "opened", tab });
}
