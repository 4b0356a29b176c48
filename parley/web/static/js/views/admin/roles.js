// Roles: every role with the apps its members see; grant or revoke one for a user by name.
import { html, useEffect, useState } from "../../../vendor/preact-htm.js";
import { ApiError, api } from "../../api.js";
import { t } from "../../i18n.js";
import { ErrorLine, Field, Notice, useAction } from "../../ui.js";

async function userNamed(username) {
  const page = await api.admin.users(username, undefined, 10);
  const found = page.items.find((u) => u.username.toLowerCase() === username.toLowerCase());
  if (!found) throw new ApiError(404, { error: { code: "admin_no_such_user", message: "No such user" } });
  return found;
}

export function RolesSection() {
  const [roles, setRoles] = useState([]);
  const [username, setUsername] = useState("");
  const [role, setRole] = useState("");
  const [notice, setNotice] = useState("");
  const [load, , loadError] = useAction(async () => setRoles(await api.admin.roles()));
  useEffect(() => {
    load();
  }, []);
  const [change, busy, error] = useAction(async (grant) => {
    const user = await userNamed(username.trim());
    const held = grant
      ? await api.admin.grantRole(user.id, role.trim())
      : await api.admin.revokeRole(user.id, role.trim());
    setNotice(t("admin.roles_now", { name: user.username, roles: held.roles.join(", ") || "—" }));
    await load();
  });
  return html`<section class="card" aria-labelledby="admin-roles-title">
    <h2 id="admin-roles-title">${t("admin.roles")}</h2>
    <${ErrorLine} error=${loadError || error} />
    <${Notice}>${notice}<//>
    <ul class="items admin-roles">
      ${roles.map(
        (r) => html`<li key=${r.name}><strong>${r.name}</strong>
          <span class="small"> ${r.apps.length ? t("admin.role_apps", { apps: r.apps.join(", ") }) : t("admin.role_no_apps")}</span></li>`,
      )}
    </ul>
    <form class="row" onSubmit=${(e) => { e.preventDefault(); change(true); }}>
      <${Field} label=${t("auth.username")} value=${username} onInput=${setUsername} required />
      <${Field} label=${t("admin.role_name")} value=${role} onInput=${setRole} required maxlength="64" />
      <button type="submit" disabled=${busy}>${t("admin.grant_role")}</button>
      <button type="button" class="secondary" disabled=${busy || !username || !role} onClick=${() => change(false)}>${t("admin.revoke_role")}</button>
    </form>
  </section>`;
}
