// Sign-in with more than a password: the second step after a password that answered
// `second_factor_required` (authenticator code, recovery code or passkey), and the passwordless
// "Sign in with a passkey".
import { html, useState } from "../../vendor/preact-htm.js";
import { api } from "../api.js";
import { t } from "../i18n.js";
import { ErrorLine, Field, useAction } from "../ui.js";
import { passkeysSupported, signWithPasskey } from "../webauthn.js";

/** `challenge` is the 401's error body: `challenge`, `methods` and, with passkeys, `passkey`. */
export function SecondFactorStep({ challenge, onSignedIn, onCancel }) {
  const methods = challenge.methods || [];
  const hasTotp = methods.includes("totp");
  const hasPasskey = methods.includes("passkey") && challenge.passkey && passkeysSupported();
  const [mode, setMode] = useState(hasTotp ? "totp" : "recovery");
  const [code, setCode] = useState("");
  const [verify, busy, error, setError] = useAction(async (answer) =>
    onSignedIn(await api.loginSecondFactor(challenge.challenge, answer)),
  );
  const [withPasskey, asking, passkeyError] = useAction(async () => {
    const credential = await signWithPasskey(challenge.passkey.options);
    await verify({ passkey: { challenge_id: challenge.passkey.challenge_id, credential } });
  });
  const switchTo = (next) => {
    setMode(next);
    setCode("");
    setError(null);
  };
  const totp = mode === "totp";
  return html`<form class="card" aria-labelledby="second-title" onSubmit=${(e) => {
      e.preventDefault();
      verify({ code: code.trim() });
    }}>
    <h1 id="second-title">${t("second.title")}</h1>
    <p>${totp ? t("second.totp_text") : t("second.recovery_text")}</p>
    <${Field}
      key=${mode}
      label=${totp ? t("second.totp_code") : t("second.recovery_code")}
      value=${code}
      onInput=${setCode}
      inputmode=${totp ? "numeric" : "text"}
      autocomplete=${totp ? "one-time-code" : "off"}
      autocapitalize="off"
      spellcheck="false"
      required
      autofocus
    />
    <${ErrorLine} error=${error || passkeyError} />
    <div class="actions">
      <button type="submit" disabled=${busy || asking}>${t("auth.verify")}</button>
      ${hasPasskey
        ? html`<button type="button" class="secondary" onClick=${withPasskey} disabled=${busy || asking}>
            ${t("second.use_passkey")}</button>`
        : null}
    </div>
    <p class="links">
      ${hasTotp
        ? html`<button type="button" class="link" onClick=${() => switchTo(totp ? "recovery" : "totp")}>
            ${totp ? t("second.use_recovery") : t("second.use_totp")}</button>`
        : null}
      <button type="button" class="link" onClick=${onCancel}>${t("common.back")}</button>
    </p>
  </form>`;
}

/** Passwordless sign-in: any passkey registered here, with user verification. */
export function PasskeySignIn({ onSignedIn }) {
  const [run, busy, error] = useAction(async () => {
    const offered = await api.passkeySignInOptions();
    const credential = await signWithPasskey(offered.options);
    onSignedIn(await api.passkeySignIn(offered.challenge_id, credential));
  });
  if (!passkeysSupported()) return null;
  return html`<div class="passkey-sign-in">
    <button type="button" class="secondary" onClick=${run} disabled=${busy}>${t("auth.passkey_sign_in")}</button>
    <${ErrorLine} error=${error} />
  </div>`;
}
