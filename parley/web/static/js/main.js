// The app: routes by path (History API; the server answers every client path with
// index.html), the signed-in shell, and the gateway's lifetime tied to the session.
import { html, render, useEffect, useState } from "../vendor/preact-htm.js";
import { api, currentAuth, onAuthChange, setAuth } from "./api.js";
import { resetChat, startRealtime } from "./chat.js";
import { LANGUAGES, currentLang, onLangChange, setLang, t } from "./i18n.js";
import { Link, navigate, query } from "./ui.js";
import {
  ForgotPage,
  RegisterPage,
  ResetPage,
  SignInPage,
  VerifyEmailPage,
  VerifyLinkPage,
} from "./views/auth.js";
import { AdminPage, isAdmin } from "./views/admin/index.js";
import { AuthorizePage } from "./views/authorize.js";
import { ChatPage } from "./views/chat.js";
import { FriendsPage } from "./views/friends.js";
import { KeysPage } from "./views/keys.js";
import { ProfilePage } from "./views/profile.js";
import { QrApprovePage } from "./views/qr.js";
import { SecurityPage, WasntMePage } from "./views/security.js";

const PUBLIC = [
  [/^\/signin$/, () => html`<${SignInPage} />`],
  [/^\/register$/, () => html`<${RegisterPage} />`],
  [/^\/forgot$/, () => html`<${ForgotPage} />`],
  [/^\/reset$/, () => html`<${ResetPage} />`],
  [/^\/verify$/, () => html`<${VerifyLinkPage} />`],
  [
    /^\/wasnt-me\/(?:(sign-in|email)\/)?([^/]+)$/,
    (m) => html`<${WasntMePage} kind=${m[1] || "sign-in"} token=${decodeURIComponent(m[2])} />`,
  ],
];

const PRIVATE = [
  [/^\/chat$/, () => html`<${ChatPage} />`],
  [/^\/chat\/(\d+)$/, (m) => html`<${ChatPage} channelId=${Number(m[1])} />`],
  [/^\/friends$/, () => html`<${FriendsPage} />`],
  [/^\/profile$/, () => html`<${ProfilePage} />`],
  [/^\/security$/, () => html`<${SecurityPage} />`],
  [/^\/keys$/, () => html`<${KeysPage} />`],
  [/^\/verify$/, () => (query("token") ? html`<${VerifyLinkPage} />` : html`<${VerifyEmailPage} />`)],
  [/^\/qr\/([^/]+)$/, (m) => html`<${QrApprovePage} ticket=${decodeURIComponent(m[1])} />`],
  [/^\/authorize$/, () => html`<${AuthorizePage} />`],
  [/^\/admin$/, () => html`<${AdminPage} />`],
  [/^\/admin\/users\/(\d+)$/, (m) => html`<${AdminPage} section="users" userId=${Number(m[1])} />`],
  [/^\/admin\/(users|apps|roles|audit|figures)$/, (m) => html`<${AdminPage} section=${m[1]} />`],
];

function match(table, path) {
  for (const [pattern, view] of table) {
    const m = path.match(pattern);
    if (m) return () => view(m);
  }
  return null;
}

function usePath() {
  const [path, setPath] = useState(location.pathname + location.search);
  useEffect(() => {
    const update = () => setPath(location.pathname + location.search);
    addEventListener("popstate", update);
    addEventListener("parley:navigate", update);
    update(); // a redirect made before this effect ran
    return () => {
      removeEventListener("popstate", update);
      removeEventListener("parley:navigate", update);
    };
  }, []);
  return path;
}

function LanguageSwitch() {
  return html`<div class="lang">
    <label for="lang-select" class="sr-only">${t("nav.language")}</label>
    <select id="lang-select" value=${currentLang()} onChange=${(e) => setLang(e.currentTarget.value)}>
      ${Object.entries(LANGUAGES).map(([code, name]) => html`<option value=${code} lang=${code}>${name}</option>`)}
    </select>
  </div>`;
}

function Shell({ children, path }) {
  const user = currentAuth().user;
  const [admin, setAdmin] = useState(false);
  useEffect(() => {
    isAdmin().then(setAdmin, () => setAdmin(false));
  }, [currentAuth().session_id]);
  const signOut = async () => {
    try {
      await api.logout();
    } finally {
      setAuth(null, "signed_out");
    }
  };
  const item = (href, label) =>
    html`<li><${Link} href=${href} aria-current=${path.startsWith(href) ? "page" : undefined}>${label}<//></li>`;
  return html`<div class="shell">
    <a class="skip" href="#main">${t("nav.skip")}</a>
    <header class="top">
      <span class="brand">Parley</span>
      <nav aria-label=${t("nav.main")}>
        <ul>
          ${item("/chat", t("nav.chats"))} ${item("/friends", t("nav.friends"))}
          ${item("/profile", t("nav.profile"))} ${item("/security", t("nav.security"))}
          ${item("/keys", t("nav.keys"))} ${admin ? item("/admin", t("nav.admin")) : null}
        </ul>
      </nav>
      <span class="me small">${user.display_name || user.username}</span>
      <${LanguageSwitch} />
      <button type="button" class="secondary" onClick=${signOut}>${t("nav.sign_out")}</button>
    </header>
    ${user.email && !user.email_verified_at && !path.startsWith("/verify")
      ? html`<p class="banner" role="status">${t("verify.banner")} <${Link} href="/verify">${t("verify.confirm")}<//></p>`
      : null}
    ${children}
  </div>`;
}

function App() {
  const path = usePath();
  const [auth, setAuthState] = useState(currentAuth());
  const [, setLangState] = useState(currentLang());
  useEffect(() => onLangChange(setLangState), []);
  useEffect(
    () =>
      onAuthChange((next, reason) => {
        setAuthState(next);
        if (!next && !location.pathname.startsWith("/wasnt-me/")) {
          const here = location.pathname + location.search;
          const keep = here.startsWith("/qr/") || here.startsWith("/authorize") ? `&next=${encodeURIComponent(here)}` : "";
          navigate(`/signin?reason=${reason || "signed_out"}${keep}`, true);
        }
      }),
    [],
  );
  const sessionId = auth ? auth.session_id : null;
  useEffect(() => {
    if (!sessionId) return undefined;
    resetChat();
    return startRealtime((reason) => setAuth(null, reason));
  }, [sessionId]);

  const pathname = path.split("?")[0];
  if (!auth) {
    const view = match(PUBLIC, pathname);
    if (view) return html`<div class="shell public"><header class="top"><span class="brand">Parley</span><${LanguageSwitch} /></header>${view()}</div>`;
    if (pathname !== "/" && match(PRIVATE, pathname)) {
      queueMicrotask(() => navigate(`/signin?next=${encodeURIComponent(path)}`, true));
    } else queueMicrotask(() => navigate("/signin", true));
    return null;
  }
  const view = match(PRIVATE, pathname);
  if (!view) {
    // mail links work in a signed-in browser too
    if (pathname.startsWith("/wasnt-me/") || pathname === "/reset") return match(PUBLIC, pathname)();
    queueMicrotask(() => navigate("/chat", true));
    return null;
  }
  return html`<${Shell} path=${pathname}>${view()}<//>`;
}

resetChat();
render(html`<${App} />`, document.getElementById("app"));
// The first screen is on the page: bench/web.py reads this mark.
requestAnimationFrame(() => performance.mark("parley:first-screen"));
