// A small observable store: views read `store.state` and re-render on change.
import { useEffect, useState } from "../vendor/preact-htm.js";

const listeners = new Set();
let scheduled = false;

export const store = {
  state: {},
  set(patch) {
    Object.assign(this.state, typeof patch === "function" ? patch(this.state) : patch);
    this.changed();
  },
  changed() {
    if (scheduled) return;
    scheduled = true;
    queueMicrotask(() => {
      scheduled = false;
      for (const fn of listeners) fn();
    });
  },
  subscribe(fn) {
    listeners.add(fn);
    return () => listeners.delete(fn);
  },
};

/** Re-render the calling component whenever the store changes. */
export function useStore() {
  const [, force] = useState(0);
  useEffect(() => store.subscribe(() => force((n) => n + 1)), []);
  return store.state;
}
