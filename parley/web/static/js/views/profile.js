// Profile: names, bio, status, contacts, avatar (with preview and the server's errors); and
// the password change.
import { html, useEffect, useState } from "../../vendor/preact-htm.js";
import { api, updateUser } from "../api.js";
import { t } from "../i18n.js";
import { PushSettings } from "../push.js";
import { ErrorLine, Field, Notice, useAction } from "../ui.js";

const FIELDS = ["display_name", "first_name", "last_name", "second_name", "status"];

export function ProfilePage() {
  const [profile, setProfile] = useState(null);
  const [form, setForm] = useState({});
  const [contacts, setContacts] = useState("");
  const [saved, setSaved] = useState(false);
  const [preview, setPreview] = useState(null);
  const [file, setFile] = useState(null);
  const show = (p) => {
    setProfile(p);
    const next = { bio: p.bio || "" };
    for (const f of FIELDS) next[f] = p[f] || "";
    setForm(next);
    setContacts(Object.entries(p.contacts || {}).map(([k, v]) => `${k}: ${v}`).join("\n"));
  };
  const [load, , loadError] = useAction(async () => show(await api.profile()));
  useEffect(() => {
    load();
  }, []);
  const set = (name) => (value) => setForm({ ...form, [name]: value });
  const [save, saving, saveError] = useAction(async () => {
    const patch = {};
    for (const [k, v] of Object.entries(form)) patch[k] = v.trim() || null;
    patch.contacts = Object.fromEntries(
      contacts
        .split("\n")
        .map((line) => line.split(":"))
        .filter((parts) => parts.length >= 2 && parts[0].trim())
        .map(([k, ...rest]) => [k.trim(), rest.join(":").trim()]),
    );
    show(await api.updateProfile(patch));
    updateUser(await api.me());
    setSaved(true);
  });
  const pick = (e) => {
    const chosen = e.currentTarget.files[0] || null;
    setFile(chosen);
    if (preview) URL.revokeObjectURL(preview);
    setPreview(chosen ? URL.createObjectURL(chosen) : null);
  };
  const [upload, uploading, uploadError] = useAction(async () => {
    show(await api.uploadAvatar(file));
    setFile(null);
    setPreview(null);
  });
  if (!profile) return html`<main class="page" id="main"><${ErrorLine} error=${loadError} /><p>${t("common.loading")}</p></main>`;
  return html`<main class="page" id="main">
    <h1>${t("profile.title")}</h1>
    <section class="card" aria-labelledby="avatar-title">
      <h2 id="avatar-title">${t("profile.avatar")}</h2>
      <div class="avatar-row">
        ${preview || profile.avatar_thumbnail_url
          ? html`<img class="avatar" src=${preview || profile.avatar_thumbnail_url}
              alt=${preview ? t("profile.avatar_preview") : t("profile.avatar_current")} width="96" height="96" />`
          : html`<div class="avatar placeholder" aria-hidden="true">${(profile.display_name || profile.username)[0]}</div>`}
        <form onSubmit=${(e) => {
          e.preventDefault();
          if (file) upload();
        }}>
          <label for="avatar-file">${t("profile.choose_avatar")}</label>
          <input id="avatar-file" type="file" accept="image/*" onChange=${pick} />
          <button type="submit" disabled=${!file || uploading}>${t("profile.upload")}</button>
        </form>
      </div>
      <${ErrorLine} error=${uploadError} />
    </section>
    <form class="card" onSubmit=${(e) => {
        e.preventDefault();
        save();
      }} aria-labelledby="details-title">
      <h2 id="details-title">${t("profile.details")}</h2>
      <p>@${profile.username} · ${profile.email || ""}</p>
      ${FIELDS.map((f) => html`<${Field} key=${f} label=${t(`profile.${f}`)} value=${form[f]} onInput=${set(f)} />`)}
      <div class="field">
        <label for="bio">${t("profile.bio")}</label>
        <textarea id="bio" rows="3" value=${form.bio} onInput=${(e) => set("bio")(e.currentTarget.value)}></textarea>
      </div>
      <div class="field">
        <label for="contacts">${t("profile.contacts")}</label>
        <textarea id="contacts" rows="3" aria-describedby="contacts-hint" value=${contacts}
          onInput=${(e) => setContacts(e.currentTarget.value)}></textarea>
        <p class="hint" id="contacts-hint">${t("profile.contacts_hint")}</p>
      </div>
      <${ErrorLine} error=${saveError} />
      ${saved ? html`<${Notice}>${t("profile.saved")}<//>` : null}
      <button type="submit" disabled=${saving}>${t("common.save")}</button>
    </form>
    <${PushSettings} />
    <${ChangePassword} />
  </main>`;
}

function ChangePassword() {
  const [old, setOld] = useState("");
  const [next, setNext] = useState("");
  const [done, setDone] = useState(false);
  const [run, busy, error] = useAction(async () => {
    await api.changePassword(old, next);
    setOld("");
    setNext("");
    setDone(true);
  });
  return html`<form class="card" onSubmit=${(e) => {
      e.preventDefault();
      run();
    }} aria-labelledby="password-title">
    <h2 id="password-title">${t("profile.change_password")}</h2>
    <${Field} label=${t("profile.current_password")} type="password" value=${old} onInput=${setOld}
      autocomplete="current-password" required />
    <${Field} label=${t("auth.new_password")} type="password" value=${next} onInput=${setNext}
      autocomplete="new-password" minlength="8" required />
    <${ErrorLine} error=${error} />
    ${done ? html`<${Notice}>${t("profile.password_changed")}<//>` : null}
    <button type="submit" disabled=${busy}>${t("profile.change_password")}</button>
  </form>`;
}
