// The OpenID Connect consent screen: `/authorize?<query>` (from `GET /oauth/authorize`).
import { html, useEffect, useState } from "../../vendor/preact-htm.js";
import { api, setAuth } from "../api.js";
import { t } from "../i18n.js";
import { ErrorLine, useAction } from "../ui.js";

export function AuthorizePage() {
  const query = location.search.replace(/^\?/, "");
  const [consent, setConsent] = useState(null);
  const [run, busy, error] = useAction(async (answer) => {
    const result = await api.oauthAuthorize(query, answer);
    if (result.redirect_to) location.assign(result.redirect_to);
    else if (result.consent_required) setConsent(result);
    else if (result.login_required) {
      // The app asks for a fresh sign-in: end this session; sign-in brings the person back.
      await api.logout().catch(() => {});
      setAuth(null, "login_required");
    }
  });
  useEffect(() => {
    run(null); // null: ask; false is the person's Deny
  }, []);
  return html`<main class="page narrow" id="main">
    <section class="card" aria-labelledby="authorize-title">
      <h1 id="authorize-title">${t("oidc.title")}</h1>
      <${ErrorLine} error=${error} />
      ${consent
        ? html`<p>${t("oidc.asks", { name: consent.client.name })}</p>
            ${/^https?:\/\//.test(consent.client.url || "")
              ? html`<p class="small"><a href=${consent.client.url} rel="noreferrer">${consent.client.url}</a></p>`
              : null}
            <h2>${t("oidc.scopes")}</h2>
            <ul>${consent.scopes.map((s) => html`<li key=${s}>${t(`oidc.scope.${s}`) === `oidc.scope.${s}` ? s : t(`oidc.scope.${s}`)}</li>`)}</ul>
            <div class="actions">
              <button type="button" onClick=${() => run(true)} disabled=${busy}>${t("oidc.allow")}</button>
              <button type="button" class="secondary" onClick=${() => run(false)} disabled=${busy}>${t("oidc.deny")}</button>
            </div>`
        : error
          ? null
          : html`<p>${t("common.loading")}</p>`}
    </section>
  </main>`;
}
