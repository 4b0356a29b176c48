// The audit log: newest first, filtered by user and by event, older pages by keyset.
import { html, useEffect, useState } from "../../../vendor/preact-htm.js";
import { api } from "../../api.js";
import { formatDateTime, t } from "../../i18n.js";
import { ErrorLine, Field, query, useAction } from "../../ui.js";

const KINDS = [
  "admin.user_disabled", "admin.user_enabled", "admin.sessions_revoked", "admin.two_factor_reset",
  "admin.key_unlocked", "admin.role_granted", "admin.role_revoked", "admin.app_created",
  "admin.app_token_rotated", "admin.client_secret_rotated", "admin.redirect_uris_set",
  "admin.app_deleted", "login.succeeded", "login.failed", "session.revoked", "password.changed",
];

function detailText(detail) {
  return Object.entries(detail)
    .map(([k, v]) => `${k}=${typeof v === "object" ? JSON.stringify(v) : v}`)
    .join(" ");
}

export function AuditSection() {
  const [userId, setUserId] = useState(query("user_id") || "");
  const [kind, setKind] = useState("");
  const [items, setItems] = useState([]);
  const [next, setNext] = useState(null);
  const [load, busy, error] = useAction(async (before) => {
    const page = await api.admin.audit({ user_id: userId.trim() || undefined, kind: kind.trim() || undefined, before });
    setItems((shown) => (before ? [...shown, ...page.items] : page.items));
    setNext(page.next_cursor);
  });
  useEffect(() => {
    load();
  }, []);
  return html`<section class="card" aria-labelledby="admin-audit-title">
    <h2 id="admin-audit-title">${t("admin.audit")}</h2>
    <form class="row search" onSubmit=${(e) => { e.preventDefault(); load(); }}>
      <${Field} label=${t("admin.filter_user")} value=${userId} onInput=${setUserId} inputmode="numeric" pattern="[0-9]*" />
      <${Field} label=${t("admin.filter_event")} value=${kind} onInput=${setKind} list="admin-audit-kinds" maxlength="40" />
      <datalist id="admin-audit-kinds">${KINDS.map((k) => html`<option value=${k} />`)}</datalist>
      <button type="submit" disabled=${busy}>${t("admin.filter")}</button>
    </form>
    <${ErrorLine} error=${error} />
    <ul class="items admin-audit">
      ${items.map(
        (e) => html`<li key=${e.id}>
          <h3><code>${e.kind}</code> <span class="small">${formatDateTime(e.created_at)}</span></h3>
          <p class="small">
            ${e.username ? t("admin.audit_user", { name: e.username, id: e.user_id }) : null}
            ${e.actor ? html` · ${t("admin.audit_actor", { name: e.actor })}` : null}
            ${e.ip ? html` · ${e.ip}` : null}
          </p>
          <p class="small audit-detail">${detailText(e.detail)}</p>
        </li>`,
      )}
    </ul>
    ${items.length === 0 && !busy ? html`<p class="small">${t("admin.no_events")}</p>` : null}
    ${next ? html`<button type="button" class="secondary" disabled=${busy} onClick=${() => load(next)}>${t("admin.older")}</button>` : null}
  </section>`;
}
