// Small shared pieces: routing helpers, labelled fields, error lines.
import { html, useState } from "../vendor/preact-htm.js";
import { errorText } from "./i18n.js";

export function navigate(path, replace = false) {
  if (replace) history.replaceState(null, "", path);
  else history.pushState(null, "", path);
  dispatchEvent(new Event("parley:navigate"));
}

export function Link({ href, children, ...rest }) {
  const go = (event) => {
    if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    navigate(href);
  };
  return html`<a href=${href} onClick=${go} ...${rest}>${children}</a>`;
}

let fieldIds = 0;

/** A labelled input; `value`/`onInput` controlled. */
export function Field({ label, type = "text", value, onInput, hint, ...rest }) {
  const [id] = useState(() => `f${++fieldIds}`);
  const hintId = hint ? `${id}-hint` : undefined;
  return html`<div class="field">
    <label for=${id}>${label}</label>
    <input
      id=${id}
      type=${type}
      value=${value}
      aria-describedby=${hintId}
      onInput=${(e) => onInput(e.currentTarget.value)}
      ...${rest}
    />
    ${hint ? html`<p class="hint" id=${hintId}>${hint}</p>` : null}
  </div>`;
}

export function ErrorLine({ error }) {
  if (!error) return null;
  const text = typeof error === "string" ? error : errorText(error);
  return html`<p class="error" role="alert">${text}</p>`;
}

export function Notice({ children }) {
  if (!children) return null;
  return html`<p class="notice" role="status">${children}</p>`;
}

/** Runs `fn` with busy/error state; returns [run, busy, error, setError]. */
export function useAction(fn) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const run = async (...args) => {
    setBusy(true);
    setError(null);
    try {
      return await fn(...args);
    } catch (err) {
      setError(err);
      return undefined;
    } finally {
      setBusy(false);
    }
  };
  return [run, busy, error, setError];
}

export function query(name) {
  return new URLSearchParams(location.search).get(name);
}
