// Users: search by username or email prefix (keyset paged), and one user's detail with the
// administrator's actions (disable or enable, sign out everywhere, reset 2FA, unlock the key,
// roles).
import { html, useEffect, useState } from "../../../vendor/preact-htm.js";
import { api } from "../../api.js";
import { formatDateTime, t } from "../../i18n.js";
import { ErrorLine, Field, Link, Notice, useAction } from "../../ui.js";
import { Confirm } from "./confirm.js";

export function UsersSection() {
  const [q, setQ] = useState("");
  const [items, setItems] = useState([]);
  const [next, setNext] = useState(null);
  const [search, busy, error] = useAction(async (after) => {
    const page = await api.admin.users(q.trim(), after);
    setItems((shown) => (after ? [...shown, ...page.items] : page.items));
    setNext(page.next_cursor);
  });
  useEffect(() => {
    search();
  }, []);
  return html`<section class="card" aria-labelledby="admin-users-title">
    <h2 id="admin-users-title">${t("admin.users")}</h2>
    <form class="row search" role="search" onSubmit=${(e) => { e.preventDefault(); search(); }}>
      <${Field} label=${t("admin.search_users")} type="search" value=${q} onInput=${setQ} />
      <button type="submit" disabled=${busy}>${t("admin.search")}</button>
    </form>
    <${ErrorLine} error=${error} />
    <ul class="items admin-users">
      ${items.map(
        (u) => html`<li key=${u.id}>
          <${Link} href=${`/admin/users/${u.id}`}>${u.username}<//>
          <span class="small"> ${u.email || ""}</span>
          ${u.disabled_at ? html` <span class="tag">${t("admin.disabled")}</span>` : null}
        </li>`,
      )}
    </ul>
    ${items.length === 0 && !busy ? html`<p class="small">${t("admin.no_users")}</p>` : null}
    ${next ? html`<button type="button" class="secondary" onClick=${() => search(next)} disabled=${busy}>${t("admin.more")}</button>` : null}
  </section>`;
}

function yes(value) {
  return value ? t("admin.yes") : t("admin.no");
}

export function UserDetail({ userId }) {
  const [user, setUser] = useState(null);
  const [notice, setNotice] = useState("");
  const [role, setRole] = useState("");
  const [load, , loadError] = useAction(async () => setUser(await api.admin.user(userId)));
  useEffect(() => {
    load();
  }, [userId]);
  const [act, busy, error] = useAction(async (fn, message) => {
    await fn();
    await load();
    setNotice(message);
    return true;
  });
  if (!user) return html`<section class="card"><${ErrorLine} error=${loadError} /><p>${t("common.loading")}</p></section>`;
  const key = user.e2e_key;
  const grant = (e) => {
    e.preventDefault();
    act(() => api.admin.grantRole(user.id, role.trim()), t("admin.role_granted")).then((ok) => ok && setRole(""));
  };
  return html`<section class="card" aria-labelledby="admin-user-title">
    <p><${Link} href="/admin/users">${t("common.back")}<//></p>
    <h2 id="admin-user-title">${user.username}${user.disabled_at ? html` <span class="tag">${t("admin.disabled")}</span>` : null}</h2>
    <${ErrorLine} error=${error} />
    <${Notice}>${notice}<//>
    <dl class="facts">
      <dt>${t("admin.id")}</dt><dd>${user.id}</dd>
      <dt>${t("auth.email")}</dt><dd>${user.email || "—"} ${user.email && !user.email_verified_at ? t("admin.unverified") : ""}</dd>
      <dt>${t("admin.created")}</dt><dd>${formatDateTime(user.created_at)}</dd>
      <dt>${t("admin.status")}</dt><dd>${user.disabled_at ? t("admin.disabled_since", { when: formatDateTime(user.disabled_at) }) : t("admin.active")}</dd>
      <dt>${t("admin.live_sessions")}</dt><dd>${user.live_sessions}</dd>
      <dt>${t("admin.devices")}</dt><dd>${user.devices.length ? user.devices.map((d) => d.device_id).join(", ") : "—"}</dd>
      <dt>${t("admin.totp")}</dt><dd>${yes(user.two_factor.totp)}</dd>
      <dt>${t("admin.passkeys")}</dt><dd>${user.two_factor.passkeys}</dd>
      <dt>${t("admin.recovery_codes")}</dt><dd>${user.two_factor.recovery_codes_left}</dd>
      <dt>${t("admin.e2e_key")}</dt><dd>${key ? (key.locked ? t("admin.key_locked") : t("admin.key_tries", { n: key.tries_left })) : t("admin.no_key")}</dd>
    </dl>
    <div class="actions">
      ${user.disabled_at
        ? html`<button type="button" class="secondary" disabled=${busy}
            onClick=${() => act(() => api.admin.setDisabled(user.id, false), t("admin.enabled_done"))}>${t("admin.enable")}</button>`
        : html`<${Confirm} label=${t("admin.disable")} question=${t("admin.disable_question", { name: user.username })}
            withPassword busy=${busy} onConfirm=${(pw) => act(() => api.admin.setDisabled(user.id, true, pw), t("admin.disabled_done"))} />`}
      <${Confirm} label=${t("admin.revoke_sessions")} question=${t("admin.revoke_question", { name: user.username })}
        withPassword busy=${busy} onConfirm=${(pw) => act(() => api.admin.revokeSessions(user.id, pw), t("admin.revoked_done"))} />
      <${Confirm} label=${t("admin.reset_2fa")} question=${t("admin.reset_2fa_question", { name: user.username })}
        withPassword busy=${busy} onConfirm=${(pw) => act(() => api.admin.resetTwoFactor(user.id, pw), t("admin.reset_2fa_done"))} />
      ${key && key.locked
        ? html`<${Confirm} label=${t("admin.unlock_key")} question=${t("admin.unlock_question", { name: user.username })}
            busy=${busy} onConfirm=${() => act(() => api.admin.unlockKey(user.id), t("admin.unlocked_done"))} />`
        : null}
    </div>
    <h3>${t("admin.roles")}</h3>
    <ul class="items">
      ${user.roles.map(
        (name) => html`<li key=${name}>${name}
          <button type="button" class="link" aria-label=${t("admin.revoke_role_named", { role: name })} disabled=${busy}
            onClick=${() => act(() => api.admin.revokeRole(user.id, name), t("admin.role_revoked"))}>${t("admin.revoke_role")}</button></li>`,
      )}
    </ul>
    <form class="row" onSubmit=${grant}>
      <${Field} label=${t("admin.role_name")} value=${role} onInput=${setRole} required maxlength="64" />
      <button type="submit" disabled=${busy}>${t("admin.grant_role")}</button>
    </form>
    <p><${Link} href=${`/admin/audit?user_id=${user.id}`}>${t("admin.audit_of_user")}<//></p>
  </section>`;
}
