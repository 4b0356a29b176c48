// The web client's service worker, served at /sw.js (scope /): shows Web Push notifications
// and opens their channel when clicked. A push carries {type, channel_id, message_id,
// author_id, author_name, text}; `text` is null in encrypted channels (the server holds only
// ciphertext), and then the body is the page's "new message" string, which push.js keeps in
// the cache below in the user's language.
const STRINGS = "parley-push";
const STRINGS_URL = "/sw-strings.json";
const FALLBACK = { new_message: "New message", new_mention: "New mention" };

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

async function strings() {
  try {
    const stored = await (await caches.open(STRINGS)).match(STRINGS_URL);
    return stored ? { ...FALLBACK, ...(await stored.json()) } : FALLBACK;
  } catch {
    return FALLBACK;
  }
}

async function show(data) {
  const words = await strings();
  const fallback = data.type === "mention" ? words.new_mention : words.new_message;
  await self.registration.showNotification(data.author_name || "Parley", {
    body: data.text || fallback,
    tag: `channel-${data.channel_id}`,
    renotify: true,
    data: { channel_id: data.channel_id, message_id: data.message_id },
  });
}

self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch {
    data = {};
  }
  event.waitUntil(show(data));
});

async function open(channelId) {
  const path = channelId ? `/chat/${channelId}` : "/chat";
  const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  for (const client of windows) {
    if (new URL(client.url).origin !== self.location.origin) continue;
    // the page routes itself (History API): ask it to go to the channel
    client.postMessage({ type: "parley:open", path });
    return client.focus();
  }
  return self.clients.openWindow(path);
}

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  event.waitUntil(open((event.notification.data || {}).channel_id));
});
