// End-to-end keys: make a key pair in the browser and store it sealed under a PIN, or unlock
// the stored one with the PIN (tries left; locked after too many).
import { html, useEffect, useState } from "../../vendor/preact-htm.js";
import { api, currentAuth } from "../api.js";
import { unlockedWith } from "../chat.js";
import * as e2e from "../e2e.js";
import { t } from "../i18n.js";
import { useStore } from "../store.js";
import { ErrorLine, Field, Notice, useAction } from "../ui.js";

export function KeysPage() {
  const state = useStore();
  const [status, setStatus] = useState(undefined); // undefined: loading, null: no keys
  const [pin, setPin] = useState("");
  const [password, setPassword] = useState("");
  const [replacing, setReplacing] = useState(false);
  const [load, , loadError] = useAction(async () => {
    try {
      setStatus(await api.myKeys());
    } catch (err) {
      if (err.status === 404) setStatus(null);
      else throw err;
    }
  });
  useEffect(() => {
    load();
  }, []);
  const [create, creating, createError] = useAction(async () => {
    const pair = await e2e.generateKeyPair();
    const body = {
      public_key: await e2e.exportPublicKey(pair.publicKey),
      encrypted_private_key: await e2e.sealPrivateKey(pair.privateKey, pin),
      pin,
    };
    if (status) body.password = password;
    setStatus(await api.putKeys(body));
    const opened = await api.unlockKeys(pin);
    unlockedWith(await e2e.openPrivateKey(opened.encrypted_private_key, pin));
    setPin("");
    setReplacing(false);
  });
  const [unlock, unlocking, unlockError] = useAction(async () => {
    try {
      const opened = await api.unlockKeys(pin);
      unlockedWith(await e2e.openPrivateKey(opened.encrypted_private_key, pin));
      setPin("");
    } finally {
      await load();
    }
  });
  const pinField = html`<${Field} label=${t("e2e.pin")} type="password" value=${pin} onInput=${setPin}
    inputmode="numeric" minlength="4" maxlength="64" autocomplete="off" required />`;
  let body;
  if (status === undefined) body = html`<p>${t("common.loading")}</p>`;
  else if (state.privateKey && !replacing) {
    body = html`<${Notice}>${t("e2e.unlocked")}<//>
      <button type="button" class="secondary" onClick=${() => setReplacing(true)}>${t("e2e.replace")}</button>`;
  } else if (status === null || replacing) {
    body = html`<form onSubmit=${(e) => {
        e.preventDefault();
        create();
      }}>
      <p>${t("e2e.create_text")}</p>
      ${pinField}
      ${status
        ? html`<${Field} label=${t("auth.password")} type="password" value=${password} onInput=${setPassword}
            autocomplete="current-password" required />`
        : null}
      <${ErrorLine} error=${createError} />
      <button type="submit" disabled=${creating}>${creating ? t("e2e.creating") : t("e2e.create")}</button>
    </form>`;
  } else if (status.locked) {
    body = html`<p class="error" role="alert">${t("e2e.key_locked")}</p>
      <button type="button" class="secondary" onClick=${() => setReplacing(true)}>${t("e2e.replace")}</button>`;
  } else {
    body = html`<form onSubmit=${(e) => {
        e.preventDefault();
        unlock();
      }}>
      <p>${t("e2e.unlock_text")}</p>
      ${pinField}
      <p class="small">${t("e2e.tries_left", { count: status.tries_left })}</p>
      <${ErrorLine} error=${unlockError} />
      <button type="submit" disabled=${unlocking}>${t("e2e.unlock")}</button>
      <button type="button" class="link" onClick=${() => setReplacing(true)}>${t("e2e.replace")}</button>
    </form>`;
  }
  return html`<main class="page narrow" id="main">
    <section class="card" aria-labelledby="keys-title">
      <h1 id="keys-title">${t("e2e.title")}</h1>
      <p class="small">${t("e2e.explain", { user: currentAuth()?.user?.username || "" })}</p>
      <${ErrorLine} error=${loadError} />
      ${body}
    </section>
  </main>`;
}
