// A destructive action asks first: a button that opens a confirmation, with the
// administrator's own password where the server re-authenticates.
import { html, useState } from "../../../vendor/preact-htm.js";
import { t } from "../../i18n.js";
import { Field } from "../../ui.js";

/** `onConfirm(password)` resolves to true once done (anything else keeps it open). */
export function Confirm({ label, question, withPassword = false, onConfirm, busy }) {
  const [open, setOpen] = useState(false);
  const [password, setPassword] = useState("");
  if (!open) {
    return html`<button type="button" class="danger" onClick=${() => setOpen(true)}>${label}</button>`;
  }
  const submit = async (event) => {
    event.preventDefault();
    if ((await onConfirm(password || undefined)) === true) {
      setOpen(false);
      setPassword("");
    }
  };
  return html`<form class="card inset confirm" onSubmit=${submit}>
    <p>${question}</p>
    ${withPassword
      ? html`<${Field} label=${t("admin.your_password")} type="password" value=${password}
          onInput=${setPassword} autocomplete="current-password" />`
      : null}
    <div class="actions">
      <button type="submit" class="danger" disabled=${busy}>${t("admin.confirm", { action: label })}</button>
      <button type="button" class="secondary" onClick=${() => setOpen(false)}>${t("common.cancel")}</button>
    </div>
  </form>`;
}

/** A secret the server shows this once: displayed until dismissed. */
export function ShownOnce({ values, onDone }) {
  return html`<div class="card inset shown-once" role="status">
    <p><strong>${t("admin.shown_once")}</strong></p>
    <dl class="facts">
      ${values.map(([name, value]) => html`<dt>${name}</dt><dd><code class="secret">${value}</code></dd>`)}
    </dl>
    <button type="button" class="secondary" onClick=${onDone}>${t("admin.done")}</button>
  </div>`;
}
