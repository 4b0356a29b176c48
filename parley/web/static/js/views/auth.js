// Signed-out screens: sign in (password, second factor, device code, passkey, QR), create
// account, forgot and reset password; and the signed-in email confirmation.
import { html, useEffect, useState } from "../../vendor/preact-htm.js";
import { api, setAuth, updateUser, currentAuth } from "../api.js";
import { t } from "../i18n.js";
import { ErrorLine, Field, Link, Notice, navigate, query, useAction } from "../ui.js";
import { QrSignIn } from "./qr.js";
import { PasskeySignIn, SecondFactorStep } from "./second_factor.js";

function afterSignIn(pair, next) {
  setAuth(pair);
  navigate(next || query("next") || "/chat", true);
}

/** A code we mailed: the field, the errors, a resend that clears the field; `children` are
 * the form's other actions after the submit and resend buttons. */
function MailedCodeForm({ titleId, title, text, submitLabel, onSubmit, onResend, autofocus, children }) {
  const [code, setCode] = useState("");
  const [notice, setNotice] = useState("");
  const [submit, busy, error] = useAction(() => onSubmit(code.trim()));
  const [resend, resending, resendError] = useAction(async () => {
    await onResend();
    setCode("");
    setNotice(t("auth.code_resent"));
  });
  return html`<form
    class="card"
    onSubmit=${(e) => {
      e.preventDefault();
      submit();
    }}
    aria-labelledby=${titleId}
  >
    <h1 id=${titleId}>${title}</h1>
    <p>${text}</p>
    <${Field}
      label=${t("auth.code")}
      value=${code}
      onInput=${setCode}
      inputmode="numeric"
      autocomplete="one-time-code"
      required
      autofocus=${autofocus}
    />
    <${ErrorLine} error=${error || resendError} />
    <${Notice}>${notice}<//>
    <div class="actions">
      <button type="submit" disabled=${busy}>${submitLabel}</button>
      <button type="button" class="secondary" onClick=${resend} disabled=${resending}>
        ${t("auth.resend")}
      </button>
      ${children}
    </div>
  </form>`;
}

/** The new-device step: the code we mailed, with tries left and a resend. */
function CodeStep({ challenge, onVerified, onResend, onCancel }) {
  return html`<${MailedCodeForm}
    titleId="code-title"
    title=${t("auth.new_device_title")}
    text=${t("auth.code_sent", { to: challenge.sent_to })}
    submitLabel=${t("auth.verify")}
    onSubmit=${async (code) => onVerified(await api.loginVerify(challenge.challenge, code))}
    onResend=${onResend}
    autofocus
  >
    <button type="button" class="link" onClick=${onCancel}>${t("common.back")}</button>
  <//>`;
}

export function SignInPage() {
  const [login, setLogin] = useState("");
  const [password, setPassword] = useState("");
  const [challenge, setChallenge] = useState(null);
  const [secondFactor, setSecondFactor] = useState(null);
  const attempt = async () => {
    try {
      afterSignIn(await api.login(login.trim(), password));
    } catch (err) {
      if (err.code === "device_verification_required") setChallenge(err.data);
      else if (err.code === "second_factor_required") setSecondFactor(err.data);
      else throw err;
    }
  };
  const [run, busy, error] = useAction(attempt);
  const reason = query("reason");
  if (secondFactor) {
    return html`<main class="auth" id="main">
      <${SecondFactorStep}
        challenge=${secondFactor}
        onSignedIn=${(pair) => afterSignIn(pair)}
        onCancel=${() => setSecondFactor(null)}
      />
    </main>`;
  }
  if (challenge) {
    return html`<main class="auth" id="main">
      <${CodeStep}
        challenge=${challenge}
        onVerified=${(pair) => afterSignIn(pair)}
        onResend=${async () => {
          try {
            await api.login(login.trim(), password);
          } catch (err) {
            if (err.code !== "device_verification_required") throw err;
            setChallenge(err.data);
          }
        }}
        onCancel=${() => setChallenge(null)}
      />
    </main>`;
  }
  return html`<main class="auth" id="main">
    <div class="auth-columns">
      <form
        class="card"
        onSubmit=${(e) => {
          e.preventDefault();
          run();
        }}
        aria-labelledby="signin-title"
      >
        <h1 id="signin-title">${t("auth.sign_in_title")}</h1>
        ${reason ? html`<${Notice}>${t(`auth.reason.${reason}`)}<//>` : null}
        <${Field}
          label=${t("auth.login")}
          value=${login}
          onInput=${setLogin}
          autocomplete="username"
          required
        />
        <${Field}
          label=${t("auth.password")}
          type="password"
          value=${password}
          onInput=${setPassword}
          autocomplete="current-password"
          required
        />
        <${ErrorLine} error=${error} />
        <div class="actions">
          <button type="submit" disabled=${busy}>${t("auth.sign_in")}</button>
        </div>
        <${PasskeySignIn} onSignedIn=${(pair) => afterSignIn(pair)} />
        <p class="links">
          <${Link} href="/register">${t("auth.create_account")}<//> ·
          <${Link} href="/forgot">${t("auth.forgot")}<//>
        </p>
      </form>
      <${QrSignIn} onSignedIn=${(pair) => afterSignIn(pair)} />
    </div>
  </main>`;
}

export function RegisterPage() {
  const [form, setForm] = useState({ username: "", email: "", display_name: "", password: "" });
  const [challenge, setChallenge] = useState(null);
  const set = (name) => (value) => setForm({ ...form, [name]: value });
  const signIn = async () => {
    try {
      afterSignIn(await api.login(form.username, form.password), "/verify");
    } catch (err) {
      if (err.code === "device_verification_required") setChallenge(err.data);
      else throw err;
    }
  };
  const [run, busy, error] = useAction(async () => {
    await api.register({
      username: form.username.trim(),
      email: form.email.trim(),
      password: form.password,
      display_name: form.display_name.trim() || undefined,
    });
    await signIn();
  });
  if (challenge) {
    return html`<main class="auth" id="main">
      <${CodeStep}
        challenge=${challenge}
        onVerified=${(pair) => afterSignIn(pair, "/verify")}
        onResend=${signIn}
        onCancel=${() => navigate("/signin")}
      />
    </main>`;
  }
  return html`<main class="auth" id="main">
    <form
      class="card"
      onSubmit=${(e) => {
        e.preventDefault();
        run();
      }}
      aria-labelledby="register-title"
    >
      <h1 id="register-title">${t("auth.register_title")}</h1>
      <${Field}
        label=${t("auth.username")}
        value=${form.username}
        onInput=${set("username")}
        autocomplete="username"
        minlength="3"
        maxlength="32"
        required
      />
      <${Field}
        label=${t("auth.email")}
        type="email"
        value=${form.email}
        onInput=${set("email")}
        autocomplete="email"
        required
      />
      <${Field}
        label=${t("auth.display_name")}
        value=${form.display_name}
        onInput=${set("display_name")}
        autocomplete="name"
      />
      <${Field}
        label=${t("auth.password")}
        type="password"
        value=${form.password}
        onInput=${set("password")}
        autocomplete="new-password"
        minlength="8"
        hint=${t("auth.password_hint")}
        required
      />
      <${ErrorLine} error=${error} />
      <div class="actions">
        <button type="submit" disabled=${busy}>${t("auth.register")}</button>
      </div>
      <p class="links"><${Link} href="/signin">${t("auth.have_account")}<//></p>
    </form>
  </main>`;
}

export function ForgotPage() {
  const [email, setEmail] = useState("");
  const [sent, setSent] = useState(false);
  const [run, busy, error] = useAction(async () => {
    await api.requestReset(email.trim());
    setSent(true);
  });
  return html`<main class="auth" id="main">
    <form
      class="card"
      onSubmit=${(e) => {
        e.preventDefault();
        run();
      }}
      aria-labelledby="forgot-title"
    >
      <h1 id="forgot-title">${t("auth.forgot_title")}</h1>
      <${Field}
        label=${t("auth.email")}
        type="email"
        value=${email}
        onInput=${setEmail}
        autocomplete="email"
        required
      />
      <${ErrorLine} error=${error} />
      ${sent
        ? html`<${Notice}>${t("auth.reset_sent")}<//>
            <p><${Link} href=${`/reset?email=${encodeURIComponent(email.trim())}`}
              >${t("auth.have_code")}<//></p>`
        : null}
      <div class="actions">
        <button type="submit" disabled=${busy}>${t("auth.send_reset")}</button>
      </div>
      <p class="links"><${Link} href="/signin">${t("auth.back_to_sign_in")}<//></p>
    </form>
  </main>`;
}

export function ResetPage() {
  const token = query("token");
  const [email, setEmail] = useState(query("email") || "");
  const [code, setCode] = useState("");
  const [password, setPassword] = useState("");
  const [done, setDone] = useState(false);
  const [run, busy, error] = useAction(async () => {
    const body = token
      ? { token, new_password: password }
      : { email: email.trim(), code: code.trim(), new_password: password };
    await api.confirmReset(body);
    if (currentAuth()) setAuth(null, "reset"); // every session was revoked
    setDone(true);
  });
  return html`<main class="auth" id="main">
    <form
      class="card"
      onSubmit=${(e) => {
        e.preventDefault();
        run();
      }}
      aria-labelledby="reset-title"
    >
      <h1 id="reset-title">${t("auth.reset_title")}</h1>
      ${token
        ? null
        : html`<${Field}
              label=${t("auth.email")}
              type="email"
              value=${email}
              onInput=${setEmail}
              required
            />
            <${Field}
              label=${t("auth.code")}
              value=${code}
              onInput=${setCode}
              inputmode="numeric"
              autocomplete="one-time-code"
              required
            />`}
      <${Field}
        label=${t("auth.new_password")}
        type="password"
        value=${password}
        onInput=${setPassword}
        autocomplete="new-password"
        minlength="8"
        required
      />
      <${ErrorLine} error=${error} />
      ${done ? html`<${Notice}>${t("auth.reset_done")}<//>` : null}
      <div class="actions">
        <button type="submit" disabled=${busy || done}>${t("auth.set_password")}</button>
      </div>
      <p class="links"><${Link} href="/signin">${t("auth.back_to_sign_in")}<//></p>
    </form>
  </main>`;
}

/** Confirm the email address with the code from the registration mail. */
export function VerifyEmailPage() {
  const user = currentAuth()?.user;
  return html`<main class="page narrow" id="main">
    <${MailedCodeForm}
      titleId="verify-title"
      title=${t("verify.title")}
      text=${t("verify.text", { email: user?.email || "" })}
      submitLabel=${t("verify.confirm")}
      onSubmit=${async (code) => {
        updateUser(await api.verifyEmail(code));
        navigate("/chat", true);
      }}
      onResend=${() => api.resendVerification()}
    >
      <${Link} href="/chat" class="button link">${t("verify.later")}<//>
    <//>
  </main>`;
}

/** `/verify?token=` from the verification mail: works signed in or out. */
export function VerifyLinkPage() {
  const token = query("token");
  const [done, setDone] = useState(false);
  const [run, , error] = useAction(async () => {
    await api.verifyEmailLink(token);
    if (currentAuth()) updateUser(await api.me());
    setDone(true);
  });
  useEffect(() => {
    if (token) run();
    else navigate("/signin?next=%2Fverify", true); // the code form needs a session
  }, [token]);
  return html`<main class="auth" id="main">
    <section class="card" aria-labelledby="verify-link-title">
      <h1 id="verify-link-title">${t("verify.title")}</h1>
      <${ErrorLine} error=${error} />
      ${done ? html`<${Notice}>${t("verify.done")}<//>` : error ? null : html`<p>${t("common.loading")}</p>`}
      <p class="links">
        ${currentAuth()
          ? html`<${Link} href="/chat">${t("verify.continue")}<//>`
          : html`<${Link} href="/signin">${t("auth.back_to_sign_in")}<//>`}
      </p>
    </section>
  </main>`;
}
