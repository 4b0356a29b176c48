// Web Push on this browser: registers the service worker (/sw.js), subscribes with the
// server's VAPID key and hands the subscription to the API; the settings card turns it on
// and off. The worker shows the notifications and opens their channel (it asks an open page
// to route there: "parley:open").
import { html, useEffect, useState } from "../vendor/preact-htm.js";
import { api, onAuthChange } from "./api.js";
import { onLangChange, t } from "./i18n.js";
import { ErrorLine, navigate, useAction } from "./ui.js";

const SUBSCRIPTION_KEY = "parley.push_subscription";
const STRINGS = "parley-push";
const STRINGS_URL = "/sw-strings.json";

export function pushSupported() {
  return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
}

function keyBytes(base64url) {
  const padded = base64url.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(base64url.length / 4) * 4, "=");
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
}

/** The worker's strings for pushes without text, in the page's language. */
async function storeStrings() {
  const body = JSON.stringify({ new_message: t("push.new_message"), new_mention: t("push.new_mention") });
  const cache = await caches.open(STRINGS);
  await cache.put(STRINGS_URL, new Response(body, { headers: { "Content-Type": "application/json" } }));
}

export async function enablePush() {
  if ((await Notification.requestPermission()) !== "granted") throw new Error(t("push.denied"));
  const { public_key: key } = await api.vapidKey();
  if (!key) throw new Error(t("push.unavailable"));
  await navigator.serviceWorker.register("/sw.js");
  const registration = await navigator.serviceWorker.ready;
  await storeStrings();
  const subscription =
    (await registration.pushManager.getSubscription()) ||
    (await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(key) }));
  const { endpoint, keys } = subscription.toJSON();
  const saved = await api.pushSubscribe({ kind: "webpush", endpoint, keys });
  localStorage.setItem(SUBSCRIPTION_KEY, String(saved.id));
}

async function unsubscribeBrowser() {
  const registration = await navigator.serviceWorker.getRegistration("/");
  const subscription = registration && (await registration.pushManager.getSubscription());
  if (subscription) await subscription.unsubscribe();
}

export async function disablePush() {
  const id = localStorage.getItem(SUBSCRIPTION_KEY);
  localStorage.removeItem(SUBSCRIPTION_KEY);
  if (id) await api.pushUnsubscribe(id).catch(() => {}); // already gone on the server
  await unsubscribeBrowser();
}

export function pushEnabled() {
  return pushSupported() && Notification.permission === "granted" && Boolean(localStorage.getItem(SUBSCRIPTION_KEY));
}

if (pushSupported()) {
  navigator.serviceWorker.addEventListener("message", (event) => {
    if (event.data && event.data.type === "parley:open") navigate(event.data.path);
  });
  onLangChange(() => {
    if (pushEnabled()) storeStrings();
  });
  // signed out: the push service forgets the subscription, and the server drops it on its
  // next push (410), so the next person on this browser gets nobody else's notifications
  onAuthChange((auth) => {
    if (auth || !localStorage.getItem(SUBSCRIPTION_KEY)) return;
    localStorage.removeItem(SUBSCRIPTION_KEY);
    unsubscribeBrowser();
  });
}

/** The settings card: notifications on this browser. */
export function PushSettings() {
  const [on, setOn] = useState(pushEnabled);
  useEffect(() => setOn(pushEnabled()), []);
  const [toggle, busy, error] = useAction(async () => {
    if (on) await disablePush();
    else await enablePush();
    setOn(pushEnabled());
  });
  return html`<section class="card" aria-labelledby="push-title">
    <h2 id="push-title">${t("push.title")}</h2>
    ${pushSupported()
      ? html`<p>${on ? t("push.on") : t("push.off")}</p>
          <button type="button" onClick=${toggle} disabled=${busy}>${on ? t("push.turn_off") : t("push.turn_on")}</button>
          <${ErrorLine} error=${error} />`
      : html`<p>${t("push.unsupported")}</p>`}
  </section>`;
}
