// Security settings for the second factor: the authenticator app (TOTP: QR code and setup
// key, a first code to turn it on, turning it off with the password) and the recovery codes
// (shown once, copied or downloaded; replaced with the password).
import { html, useEffect, useRef, useState } from "../../vendor/preact-htm.js";
import { api } from "../api.js";
import { t } from "../i18n.js";
import { ErrorLine, Field, Notice, useAction } from "../ui.js";

/** Asks for the current password before an account change; `optional` for actions an account
 * without a password proves with a recent sign-in instead. */
export function PasswordForm({ intro, submitLabel, optional = false, onSubmit, onCancel }) {
  const [password, setPassword] = useState("");
  const [run, busy, error] = useAction(() => onSubmit(password));
  const wrong = error && (error.code === "invalid_credentials" || error.code === "wrong_password");
  return html`<form class="card inset" onSubmit=${(e) => {
      e.preventDefault();
      run();
    }}>
    <p>${intro}</p>
    <${Field}
      label=${t("twofa.current_password")}
      type="password"
      value=${password}
      onInput=${setPassword}
      autocomplete="current-password"
      hint=${optional ? t("twofa.password_optional") : undefined}
      required=${!optional}
      autofocus
    />
    <${ErrorLine} error=${wrong ? t("error.wrong_password") : error} />
    <div class="actions">
      <button type="submit" class="danger" disabled=${busy}>${submitLabel}</button>
      <button type="button" class="secondary" onClick=${onCancel}>${t("common.cancel")}</button>
    </div>
  </form>`;
}

/** New recovery codes, shown this once: copy, download, then "saved". */
export function RecoveryCodesShown({ codes, onDone }) {
  const [notice, setNotice] = useState("");
  const heading = useRef(null);
  useEffect(() => heading.current && heading.current.focus(), [codes]);
  const text = `${t("codes.file_title")}\n\n${codes.join("\n")}\n`;
  const [copy, , copyError] = useAction(async () => {
    await navigator.clipboard.writeText(text);
    setNotice(t("codes.copied"));
  });
  const download = () => {
    const url = URL.createObjectURL(new Blob([text], { type: "text/plain" }));
    const link = document.createElement("a");
    link.href = url;
    link.download = "parley-recovery-codes.txt";
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };
  return html`<section class="card codes-card" aria-labelledby="codes-title">
    <h2 id="codes-title" tabindex="-1" ref=${heading}>${t("codes.save_title")}</h2>
    <p>${t("codes.save_text")}</p>
    <ul class="codes" aria-label=${t("codes.list")}>
      ${codes.map((code) => html`<li key=${code}><code>${code}</code></li>`)}
    </ul>
    <${ErrorLine} error=${copyError} />
    <${Notice}>${notice}<//>
    <div class="actions">
      <button type="button" class="secondary" onClick=${copy}>${t("codes.copy")}</button>
      <button type="button" class="secondary" onClick=${download}>${t("codes.download")}</button>
      <button type="button" onClick=${onDone}>${t("codes.saved")}</button>
    </div>
  </section>`;
}

function Enrolment({ enrolment, onConfirmed, onCancel }) {
  const [code, setCode] = useState("");
  const [confirm, busy, error] = useAction(async () => onConfirmed(await api.confirmTotp(code.trim())));
  return html`<form class="card inset" onSubmit=${(e) => {
      e.preventDefault();
      confirm();
    }}>
    <ol class="steps">
      <li>
        <p>${t("totp.scan")}</p>
        <img class="qr-image" src=${enrolment.qr_png} alt=${t("totp.qr_alt")} width="200" height="200" />
      </li>
      <li>
        <${Field} label=${t("totp.setup_key")} value=${enrolment.secret} onInput=${() => {}} readonly
          class="secret" hint=${t("totp.setup_key_hint")} />
      </li>
      <li>
        <${Field}
          label=${t("totp.first_code")}
          value=${code}
          onInput=${setCode}
          inputmode="numeric"
          autocomplete="one-time-code"
          pattern="[0-9 ]{6,7}"
          required
        />
      </li>
    </ol>
    <${ErrorLine} error=${error} />
    <div class="actions">
      <button type="submit" disabled=${busy}>${t("totp.turn_on")}</button>
      <button type="button" class="secondary" onClick=${onCancel}>${t("common.cancel")}</button>
    </div>
  </form>`;
}

/** The authenticator app: off → set up (QR, key, first code) → on → turn off (password). */
export function TotpCard({ status, onChanged, onCodes }) {
  const [mode, setMode] = useState("idle");
  const [enrolment, setEnrolment] = useState(null);
  const [notice, setNotice] = useState("");
  const [start, starting, startError] = useAction(async () => {
    setNotice("");
    setEnrolment(await api.startTotp());
    setMode("enrolling");
  });
  const done = async (message, codes) => {
    setMode("idle");
    setEnrolment(null);
    setNotice(message);
    if (codes) onCodes(codes);
    await onChanged();
  };
  return html`<section class="card" aria-labelledby="totp-title">
    <h2 id="totp-title">${t("totp.title")}</h2>
    <p>${status.totp ? t("totp.on") : t("totp.off")}</p>
    <${ErrorLine} error=${startError} />
    <${Notice}>${notice}<//>
    ${mode === "enrolling"
      ? html`<${Enrolment}
          enrolment=${enrolment}
          onConfirmed=${(answer) => done(t("totp.enabled"), answer.recovery_codes)}
          onCancel=${() => setMode("idle")}
        />`
      : mode === "disabling"
        ? html`<${PasswordForm}
            intro=${t("totp.disable_text")}
            submitLabel=${t("totp.turn_off")}
            onSubmit=${async (password) => {
              await api.disableTotp(password);
              await done(t("totp.disabled"));
            }}
            onCancel=${() => setMode("idle")}
          />`
        : status.totp
          ? html`<button type="button" class="danger" onClick=${() => setMode("disabling")}>${t("totp.turn_off")}</button>`
          : html`<button type="button" onClick=${start} disabled=${starting}>${t("totp.set_up")}</button>`}
  </section>`;
}

/** How many recovery codes are left, and new ones (password). */
export function RecoveryCodesCard({ status, onChanged, onCodes }) {
  const [asking, setAsking] = useState(false);
  if (!status.totp && !status.passkeys) return null;
  return html`<section class="card" aria-labelledby="recovery-title">
    <h2 id="recovery-title">${t("codes.title")}</h2>
    <p>${t("codes.left", { count: status.recovery_codes_left })}</p>
    ${asking
      ? html`<${PasswordForm}
          intro=${t("codes.new_text")}
          submitLabel=${t("codes.new")}
          onSubmit=${async (password) => {
            onCodes(await api.newRecoveryCodes(password));
            setAsking(false);
            await onChanged();
          }}
          onCancel=${() => setAsking(false)}
        />`
      : html`<button type="button" class="secondary" onClick=${() => setAsking(true)}>${t("codes.new")}</button>`}
  </section>`;
}
