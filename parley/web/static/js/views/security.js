// Second factors (authenticator app, passkeys, recovery codes), sessions and known devices
// (address, country, user agent, last use), revoke one or all others; and the landing page of
// the "this wasn't me" link.
import { html, useEffect, useState } from "../../vendor/preact-htm.js";
import { api, currentAuth, setAuth } from "../api.js";
import { formatDateTime, t } from "../i18n.js";
import { ErrorLine, Link, Notice, useAction } from "../ui.js";
import { PasskeysCard } from "./passkeys.js";
import { RecoveryCodesCard, RecoveryCodesShown, TotpCard } from "./twofactor.js";

function Facts({ item }) {
  return html`<dl class="facts">
    <dt>${t("security.address")}</dt><dd>${item.ip || "—"}</dd>
    <dt>${t("security.country")}</dt><dd>${item.country || "—"}</dd>
    <dt>${t("security.user_agent")}</dt><dd>${item.user_agent || "—"}</dd>
    <dt>${t("security.last_used")}</dt><dd>${formatDateTime(item.last_used_at || item.last_seen_at)}</dd>
  </dl>`;
}

/** The second factors share one status (`GET /v1/auth/2fa`) and one place where new recovery
 * codes are shown, whichever action brought them. */
function SecondFactors() {
  const [status, setStatus] = useState(null);
  const [codes, setCodes] = useState(null);
  const [load, , error] = useAction(async () => setStatus(await api.twoFactor()));
  useEffect(() => {
    load();
  }, []);
  if (!status) return html`<${ErrorLine} error=${error} />`;
  return html`
    ${codes ? html`<${RecoveryCodesShown} codes=${codes} onDone=${() => setCodes(null)} />` : null}
    <${TotpCard} status=${status} onChanged=${load} onCodes=${setCodes} />
    <${PasskeysCard} onChanged=${load} onCodes=${setCodes} />
    <${RecoveryCodesCard} status=${status} onChanged=${load} onCodes=${setCodes} />`;
}

export function SecurityPage() {
  const [sessions, setSessions] = useState([]);
  const [devices, setDevices] = useState([]);
  const [notice, setNotice] = useState("");
  const reload = async () => {
    const [s, d] = await Promise.all([api.sessions(), api.devices()]);
    setSessions(s);
    setDevices(d);
  };
  const [load, , loadError] = useAction(reload);
  useEffect(() => {
    load();
  }, []);
  const [act, busy, error] = useAction(async (fn, message) => {
    await fn();
    await reload();
    if (message) setNotice(message);
  });
  const others = sessions.filter((s) => !s.current).length;
  return html`<main class="page" id="main">
    <h1>${t("security.title")}</h1>
    <${ErrorLine} error=${loadError || error} />
    <${Notice}>${notice}<//>
    <${SecondFactors} />
    <section class="card" aria-labelledby="sessions-title">
      <h2 id="sessions-title">${t("security.sessions")}</h2>
      <button type="button" class="danger" disabled=${busy || others === 0}
        onClick=${() => act(() => api.revokeOtherSessions(), t("security.others_signed_out"))}>
        ${t("security.sign_out_others")}
      </button>
      <ul class="items">
        ${sessions.map(
          (s) => html`<li key=${s.id}>
            <h3>${s.current ? t("security.this_session") : t("security.session", { id: s.id })}
              <span class="small"> · ${s.surface}</span></h3>
            <${Facts} item=${s} />
            ${s.current
              ? null
              : html`<button type="button" class="secondary" aria-label=${t("security.revoke_named", { id: s.id })}
                  onClick=${() => act(() => api.revokeSession(s.id))}>${t("security.revoke")}</button>`}
          </li>`,
        )}
      </ul>
    </section>
    <section class="card" aria-labelledby="devices-title">
      <h2 id="devices-title">${t("security.devices")}</h2>
      <ul class="items">
        ${devices.map(
          (d) => html`<li key=${d.id}>
            <h3>${d.device_id}</h3>
            <${Facts} item=${d} />
            <button type="button" class="secondary" aria-label=${t("security.forget_named", { id: d.device_id })}
              onClick=${() => act(() => api.forgetDevice(d.id))}>${t("security.forget")}</button>
          </li>`,
        )}
      </ul>
    </section>
  </main>`;
}

/** `/wasnt-me/[sign-in|email/]{token}`: a sign-in (or an email change) the person did not
 * make. Says what confirming does, posts the token, and says what happened. */
export function WasntMePage({ kind, token }) {
  const [state, setState] = useState("asking");
  const email = kind === "email";
  const [run, busy, error] = useAction(async () => {
    await (email ? api.revertEmailChange(token) : api.notMe(token));
    if (currentAuth()) setAuth(null, "not_me");
    setState("done");
  });
  return html`<main class="auth" id="main">
    <section class="card" aria-labelledby="notme-title">
      <h1 id="notme-title">${t("notme.title")}</h1>
      ${state === "done"
        ? html`<${Notice}>${t(email ? "notme.email_done" : "notme.done")}<//>
            <p><${Link} href="/forgot">${t("notme.reset_password")}<//></p>`
        : html`<p>${t(email ? "notme.email_text" : "notme.text")}</p>
            <${ErrorLine} error=${error} />
            <button type="button" class="danger" onClick=${run} disabled=${busy}>${t("notme.confirm")}</button>`}
      <p class="links"><${Link} href="/signin">${t("auth.back_to_sign_in")}<//></p>
    </section>
  </main>`;
}
