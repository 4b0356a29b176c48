// Security settings for passkeys: add one (named), list them (created, last used), rename,
// remove (with the password). The first one brings recovery codes.
import { html, useEffect, useState } from "../../vendor/preact-htm.js";
import { api } from "../api.js";
import { formatDateTime, t } from "../i18n.js";
import { ErrorLine, Field, Notice, useAction } from "../ui.js";
import { createPasskey, passkeysSupported } from "../webauthn.js";
import { PasswordForm } from "./twofactor.js";

function RenameForm({ passkey, onSaved, onCancel }) {
  const [name, setName] = useState(passkey.name);
  const [save, busy, error] = useAction(async () => onSaved(await api.renamePasskey(passkey.id, name.trim())));
  return html`<form class="row" onSubmit=${(e) => {
      e.preventDefault();
      save();
    }}>
    <${Field} label=${t("passkeys.new_name")} value=${name} onInput=${setName} maxlength="100" required autofocus />
    <button type="submit" disabled=${busy}>${t("common.save")}</button>
    <button type="button" class="secondary" onClick=${onCancel}>${t("common.cancel")}</button>
    <${ErrorLine} error=${error} />
  </form>`;
}

function PasskeyItem({ passkey, onChanged }) {
  const [mode, setMode] = useState("idle");
  return html`<li>
    <h3>${passkey.name}</h3>
    <dl class="facts">
      <dt>${t("passkeys.created")}</dt><dd>${formatDateTime(passkey.created_at)}</dd>
      <dt>${t("passkeys.last_used")}</dt><dd>${passkey.last_used_at ? formatDateTime(passkey.last_used_at) : t("passkeys.never")}</dd>
    </dl>
    ${mode === "renaming"
      ? html`<${RenameForm} passkey=${passkey} onCancel=${() => setMode("idle")}
          onSaved=${async () => {
            setMode("idle");
            await onChanged(t("passkeys.renamed"));
          }} />`
      : mode === "removing"
        ? html`<${PasswordForm}
            intro=${t("passkeys.remove_text", { name: passkey.name })}
            submitLabel=${t("passkeys.remove")}
            optional
            onSubmit=${async (password) => {
              await api.removePasskey(passkey.id, password);
              await onChanged(t("passkeys.removed", { name: passkey.name }));
            }}
            onCancel=${() => setMode("idle")}
          />`
        : html`<div class="actions">
            <button type="button" class="secondary" aria-label=${t("passkeys.rename_named", { name: passkey.name })}
              onClick=${() => setMode("renaming")}>${t("passkeys.rename")}</button>
            <button type="button" class="danger" aria-label=${t("passkeys.remove_named", { name: passkey.name })}
              onClick=${() => setMode("removing")}>${t("passkeys.remove")}</button>
          </div>`}
  </li>`;
}

export function PasskeysCard({ onChanged, onCodes }) {
  const [passkeys, setPasskeys] = useState([]);
  const [name, setName] = useState("");
  const [notice, setNotice] = useState("");
  const reload = async (message) => {
    setPasskeys(await api.passkeys());
    setNotice(message || "");
  };
  const [load, , loadError] = useAction(reload);
  useEffect(() => {
    load();
  }, []);
  const changed = async (message) => {
    await reload(message);
    await onChanged();
  };
  const [add, adding, addError] = useAction(async () => {
    setNotice("");
    const offered = await api.passkeyOptions();
    const credential = await createPasskey(offered.options);
    const added = await api.addPasskey(offered.challenge_id, credential, name.trim() || undefined);
    setName("");
    if (added.recovery_codes) onCodes(added.recovery_codes);
    await changed(t("passkeys.added", { name: added.name }));
  });
  return html`<section class="card" aria-labelledby="passkeys-title">
    <h2 id="passkeys-title">${t("passkeys.title")}</h2>
    <p>${t("passkeys.explain")}</p>
    <${ErrorLine} error=${loadError} />
    <${Notice}>${notice}<//>
    ${passkeys.length
      ? html`<ul class="items" aria-label=${t("passkeys.list")}>
          ${passkeys.map((key) => html`<${PasskeyItem} key=${key.id} passkey=${key} onChanged=${changed} />`)}
        </ul>`
      : html`<p class="small">${t("passkeys.none")}</p>`}
    ${passkeysSupported()
      ? html`<form class="row" onSubmit=${(e) => {
            e.preventDefault();
            add();
          }}>
          <${Field} label=${t("passkeys.name")} value=${name} onInput=${setName} maxlength="100"
            placeholder=${t("passkeys.name_placeholder")} />
          <button type="submit" disabled=${adding}>${t("passkeys.add")}</button>
        </form>
        <${ErrorLine} error=${addError} />`
      : html`<p class="small">${t("error.passkey_unsupported")}</p>`}
  </section>`;
}
