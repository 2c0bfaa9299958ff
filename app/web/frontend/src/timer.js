// The countdown. The deadline lives on the server; the page corrects its own clock by the offset
// measured against the server's time, announces 5 minutes and 1 minute left, and calls `onEnd`
// at zero (after `onFinalCall` a few seconds before, so pending edits can still arrive in time).
// `resync` takes a newer deadline and offset (extra time granted during the test, a clock that
// drifted while the laptop slept) and returns the minutes the deadline moved by.

const WARNINGS = [
  [5 * 60, "5 minutes left. Your answers are saved as you go."],
  [60, "1 minute left."],
];

export function clockOffset(serverTime, sentAt, receivedAt) {
  if (!serverTime) return 0;
  return Date.parse(serverTime) - (sentAt + receivedAt) / 2;
}

export function format(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n) => String(n).padStart(2, "0");
  return h ? `${h}:${pad(m)}:${pad(s % 60)}` : `${pad(m)}:${pad(s % 60)}`;
}

export function startTimer({ deadline, offset, display, timer, announce, onFinalCall, onEnd }) {
  let end = Date.parse(deadline);
  const remaining = () => (end - (Date.now() + offset)) / 1000;
  const passed = () => new Set(WARNINGS.filter(([at]) => remaining() <= at).map(([at]) => at));
  let announced = passed();
  let finalCall = false;
  let ended = false;
  const tick = () => {
    const left = remaining();
    display.textContent = format(Math.ceil(left));
    timer.dataset.urgency = left <= 60 ? "critical" : left <= 300 ? "low" : "";
    for (const [at, message] of WARNINGS) {
      if (left <= at && !announced.has(at)) {
        announced.add(at);
        announce(message);
      }
    }
    if (left <= 3 && !finalCall) {
      finalCall = true;
      onFinalCall();
    }
    if (left <= 0 && !ended) {
      ended = true;
      clearInterval(interval);
      onEnd();
    }
  };
  const interval = setInterval(tick, 500);
  tick();
  return {
    stop: () => clearInterval(interval),
    resync(newDeadline, newOffset) {
      const moved = Date.parse(newDeadline) - end;
      end += moved;
      offset = newOffset;
      if (moved > 0) {
        // Warnings and the final call come again before the later end.
        announced = passed();
        finalCall = remaining() <= 3;
      }
      if (!ended) tick();
      return Math.round(moved / 60000);
    },
  };
}
