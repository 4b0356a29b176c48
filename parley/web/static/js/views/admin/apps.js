// Apps and their OpenID Connect clients: create (the token and client secret are shown once),
// rotate either, edit the redirect URIs (validated, matched exactly), delete.
import { html, useEffect, useState } from "../../../vendor/preact-htm.js";
import { api } from "../../api.js";
import { t } from "../../i18n.js";
import { ErrorLine, Field, Notice, useAction } from "../../ui.js";
import { Confirm, ShownOnce } from "./confirm.js";

const lines = (text) => text.split("\n").map((line) => line.trim()).filter(Boolean);

function CreateApp({ onCreated }) {
  const [url, setUrl] = useState("");
  const [name, setName] = useState("");
  const [uris, setUris] = useState("");
  const [isPublic, setPublic] = useState(false);
  const [create, busy, error] = useAction(async () => {
    const redirectUris = lines(uris);
    const created = await api.admin.createApp({
      url: url.trim(),
      name: name.trim(),
      redirect_uris: redirectUris,
      public: redirectUris.length > 0 && isPublic,
    });
    setUrl("");
    setName("");
    setUris("");
    onCreated(created);
  });
  return html`<form class="card inset" aria-labelledby="admin-new-app" onSubmit=${(e) => { e.preventDefault(); create(); }}>
    <h3 id="admin-new-app">${t("admin.new_app")}</h3>
    <${ErrorLine} error=${error} />
    <${Field} label=${t("admin.app_url")} value=${url} onInput=${setUrl} required placeholder="https://wiki.example.com" />
    <${Field} label=${t("admin.app_name")} value=${name} onInput=${setName} required />
    <div class="field">
      <label for="admin-new-uris">${t("admin.redirect_uris")}</label>
      <textarea id="admin-new-uris" rows="3" value=${uris} aria-describedby="admin-new-uris-hint"
        onInput=${(e) => setUris(e.currentTarget.value)}></textarea>
      <p class="hint" id="admin-new-uris-hint">${t("admin.redirect_uris_hint")}</p>
    </div>
    <label class="check"><input type="checkbox" checked=${isPublic} onChange=${(e) => setPublic(e.currentTarget.checked)} />${t("admin.public_client")}</label>
    <button type="submit" disabled=${busy}>${t("admin.create_app")}</button>
  </form>`;
}

function RedirectEditor({ app, onSaved }) {
  const [text, setText] = useState(app.oidc.redirect_uris.join("\n"));
  const [save, busy, error] = useAction(async () => {
    await api.admin.setRedirectUris(app.id, lines(text), app.oidc.post_logout_redirect_uris);
    onSaved();
  });
  const id = `admin-uris-${app.id}`;
  return html`<form onSubmit=${(e) => { e.preventDefault(); save(); }}>
    <${ErrorLine} error=${error} />
    <div class="field">
      <label for=${id}>${t("admin.redirect_uris")}</label>
      <textarea id=${id} rows="3" value=${text} onInput=${(e) => setText(e.currentTarget.value)}></textarea>
    </div>
    <button type="submit" class="secondary" disabled=${busy}>${t("admin.save_uris")}</button>
  </form>`;
}

export function AppsSection() {
  const [apps, setApps] = useState([]);
  const [secret, setSecret] = useState(null); // [[label, value], ...] shown once
  const [notice, setNotice] = useState("");
  const [load, , loadError] = useAction(async () => setApps(await api.admin.apps()));
  useEffect(() => {
    load();
  }, []);
  const [act, busy, error] = useAction(async (fn, message) => {
    const shown = await fn();
    await load();
    setNotice(message || "");
    if (shown) setSecret(shown);
    return true;
  });
  const created = (app) => {
    const values = [[t("admin.app_token"), app.token]];
    if (app.oidc) values.push([t("admin.client_id"), app.oidc.client_id]);
    if (app.client_secret) values.push([t("admin.client_secret"), app.client_secret]);
    setSecret(values);
    load();
  };
  return html`<section class="card" aria-labelledby="admin-apps-title">
    <h2 id="admin-apps-title">${t("admin.apps")}</h2>
    <${ErrorLine} error=${loadError || error} />
    <${Notice}>${notice}<//>
    ${secret ? html`<${ShownOnce} values=${secret} onDone=${() => setSecret(null)} />` : null}
    <${CreateApp} onCreated=${created} />
    <ul class="items admin-apps">
      ${apps.map(
        (app) => html`<li key=${app.id}>
          <h3>${app.name} <span class="small">${app.url}</span>${app.super ? html` <span class="tag">${t("admin.super")}</span>` : null}</h3>
          <dl class="facts">
            <dt>${t("admin.roles")}</dt><dd>${app.roles.join(", ") || "—"}</dd>
            <dt>${t("admin.client_id")}</dt><dd>${app.oidc ? app.oidc.client_id : t("admin.not_oidc")}</dd>
          </dl>
          ${app.oidc ? html`<${RedirectEditor} app=${app} onSaved=${() => act(async () => null, t("admin.uris_saved"))} />` : null}
          <div class="actions">
            <${Confirm} label=${t("admin.rotate_token")} question=${t("admin.rotate_token_question", { name: app.name })} withPassword busy=${busy}
              onConfirm=${(pw) => act(async () => [[t("admin.app_token"), (await api.admin.rotateToken(app.id, pw)).token]])} />
            ${app.oidc && !app.oidc.public
              ? html`<${Confirm} label=${t("admin.rotate_secret")} question=${t("admin.rotate_secret_question", { name: app.name })} withPassword busy=${busy}
                  onConfirm=${(pw) => act(async () => [[t("admin.client_secret"), (await api.admin.rotateSecret(app.id, pw)).client_secret]])} />`
              : null}
            <${Confirm} label=${t("admin.delete_app")} question=${t("admin.delete_question", { name: app.name })} withPassword busy=${busy}
              onConfirm=${(pw) => act(() => api.admin.deleteApp(app.id, pw), t("admin.app_deleted"))} />
          </div>
        </li>`,
      )}
    </ul>
  </section>`;
}
