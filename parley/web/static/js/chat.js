// Chat state fed by REST and the gateway: channels, loaded message segments, pending sends,
// typing, presence, friends. Views only read `store.state` and call these functions.
import { api, currentAuth } from "./api.js";
import { gateway } from "./gateway.js";
import { store } from "./store.js";
import * as e2e from "./e2e.js";

const PAGE = 50;
const TYPING_MS = 8000;

export function resetChat() {
  store.set({
    channels: new Map(),
    segments: new Map(), // channel id -> { items (ascending), hasOlder, hasNewer }
    pending: new Map(), // channel id -> [{ nonce, content, replyTo, status }]
    typing: new Map(), // channel id -> Map(user id -> until)
    presence: new Map(),
    users: new Map(),
    friends: [],
    requests: [],
    blocks: [],
    connection: "connecting",
    privateKey: null,
    channelKeys: new Map(),
    plaintext: new Map(), // message id -> decrypted text
  });
}

const normalize = (m) => ({ ...m, content: m.deleted_at ? null : m.content });

function remember(user) {
  if (user && user.id) store.state.users.set(user.id, { ...store.state.users.get(user.id), ...user });
}

export function userName(id) {
  const me = currentAuth() && currentAuth().user;
  if (me && me.id === id) return me.display_name || me.username;
  const user = store.state.users.get(id);
  return user ? user.display_name || user.username : `#${id}`;
}

export function channelTitle(channel) {
  if (channel.kind === "dm" && channel.other_user) {
    return channel.other_user.display_name || channel.other_user.username;
  }
  return channel.name || `#${channel.id}`;
}

export function sortedChannels() {
  const key = (c) => (c.last_message ? c.last_message.id : 0);
  return [...store.state.channels.values()].sort((a, b) => key(b) - key(a) || b.id - a.id);
}

function putChannel(channel) {
  if (channel.other_user) remember(channel.other_user);
  store.state.channels.set(channel.id, channel);
}

// Refetches of one channel can overlap (CHANNEL_CREATE, then a MESSAGE_CREATE before its
// answer): only the latest one's answer counts, so an older answer never brings back a state
// without the newer message.
const refetches = new Map();

async function refetchChannel(id) {
  const ticket = (refetches.get(id) || 0) + 1;
  refetches.set(id, ticket);
  try {
    const channel = await api.channel(id);
    if (refetches.get(id) !== ticket) return;
    putChannel(channel);
    store.changed();
  } catch (err) {
    if (err.status === 404 && refetches.get(id) === ticket) dropChannel(id);
  }
}

function dropChannel(id) {
  store.state.channels.delete(id);
  store.state.segments.delete(id);
  store.changed();
}

async function allFriends() {
  const items = [];
  let before;
  do {
    const page = await api.friends(before);
    items.push(...page.items);
    before = page.next_cursor;
  } while (before);
  return items;
}

export async function loadFriends() {
  const [friends, requests, blocks] = await Promise.all([
    allFriends(),
    api.friendRequests(),
    api.blocks(),
  ]);
  for (const f of friends) remember(f.user);
  store.set({ friends, requests, blocks });
}

/** READY carries the newest 100 channels; page in the rest. */
async function loadOlderChannels(before) {
  while (before) {
    const page = await api.channels(before);
    for (const c of page.items) putChannel(c);
    store.changed();
    before = page.next_cursor;
  }
}

// --- messages -----------------------------------------------------------------------------

function segment(channelId) {
  return store.state.segments.get(channelId);
}

function merge(channelId, messages, flags) {
  const current = segment(channelId) || { items: [], hasOlder: true, hasNewer: false };
  const byId = new Map(current.items.map((m) => [m.id, m]));
  for (const m of messages) byId.set(m.id, normalize(m));
  const items = [...byId.values()].sort((a, b) => a.id - b.id);
  store.state.segments.set(channelId, { ...current, ...flags, items });
  decryptAll(channelId, messages);
  store.changed();
}

/** The newest page (the live end). */
export async function openLatest(channelId) {
  const page = await api.messages(channelId, { limit: PAGE });
  store.state.segments.set(channelId, { items: [], hasOlder: page.length === PAGE, hasNewer: false });
  merge(channelId, page, {});
}

/** Centre the loaded segment on `messageId` (jump to the first unread). */
export async function openAround(channelId, messageId) {
  const page = await api.messages(channelId, { around: messageId, limit: PAGE });
  const newest = store.state.channels.get(channelId)?.last_message?.id;
  const hasNewer = !!newest && !page.some((m) => m.id === newest);
  store.state.segments.set(channelId, { items: [], hasOlder: true, hasNewer });
  merge(channelId, page, {});
}

export async function loadOlder(channelId) {
  const seg = segment(channelId);
  if (!seg || !seg.hasOlder || seg.loading) return 0;
  seg.loading = true;
  try {
    const before = seg.items.length ? seg.items[0].id : undefined;
    const page = await api.messages(channelId, { before, limit: PAGE });
    merge(channelId, page, { hasOlder: page.length === PAGE, loading: false });
    return page.length;
  } finally {
    seg.loading = false;
  }
}

export async function loadNewer(channelId) {
  const seg = segment(channelId);
  if (!seg || !seg.hasNewer || seg.loading || !seg.items.length) return 0;
  seg.loading = true;
  try {
    const after = seg.items[seg.items.length - 1].id;
    const page = await api.messages(channelId, { after, limit: PAGE });
    merge(channelId, page, { hasNewer: page.length === PAGE, loading: false });
    return page.length;
  } finally {
    seg.loading = false;
  }
}

let nonce = 0;

export async function sendMessage(channelId, text, replyTo) {
  const list = store.state.pending.get(channelId) || [];
  const item = { nonce: ++nonce, content: text, replyTo, status: "sending" };
  store.state.pending.set(channelId, [...list, item]);
  store.changed();
  await deliver(channelId, item);
}

export async function retrySend(channelId, itemNonce) {
  const item = (store.state.pending.get(channelId) || []).find((p) => p.nonce === itemNonce);
  if (!item) return;
  item.status = "sending";
  store.changed();
  await deliver(channelId, item);
}

export function discardPending(channelId, itemNonce) {
  const list = store.state.pending.get(channelId) || [];
  store.state.pending.set(channelId, list.filter((p) => p.nonce !== itemNonce));
  store.changed();
}

/** A file sent as a message of its own (the web client does not encrypt files, so not in
 * encrypted channels). */
export async function sendFile(channelId, file, replyTo) {
  const attachment = await api.uploadAttachment(channelId, file);
  acceptMessage(await api.sendMessage(channelId, "", replyTo, [attachment.id]));
}

/** Download an attachment (members only: fetched with the token, then saved). */
export async function saveAttachment(attachment) {
  const url = URL.createObjectURL(await api.attachmentBlob(attachment.url));
  const link = document.createElement("a");
  link.href = url;
  link.download = attachment.filename;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

async function deliver(channelId, item) {
  try {
    const channel = store.state.channels.get(channelId);
    let content = item.content;
    if (channel && channel.encrypted) {
      const key = await channelKey(channelId);
      content = await e2e.encryptText(key, item.content);
    }
    item.sent = content; // what the server will echo in MESSAGE_CREATE
    const message = await api.sendMessage(channelId, content, item.replyTo);
    if (channel && channel.encrypted) store.state.plaintext.set(message.id, item.content);
    discardPending(channelId, item.nonce);
    acceptMessage(message);
  } catch (err) {
    item.status = "failed";
    item.error = err;
    store.changed();
  }
}

/** My message's MESSAGE_CREATE may come before the send's answer: it replaces the pending
 * item it echoes, so the message never shows twice. */
function settlePending(m) {
  if (m.author_id !== currentAuth()?.user?.id) return;
  const list = store.state.pending.get(m.channel_id) || [];
  const item = list.find((p) => p.status === "sending" && p.sent === m.content);
  if (!item) return;
  if (store.state.channels.get(m.channel_id)?.encrypted) store.state.plaintext.set(m.id, item.content);
  store.state.pending.set(m.channel_id, list.filter((p) => p !== item));
}

function acceptMessage(message) {
  const m = normalize(message);
  settlePending(m);
  const channel = store.state.channels.get(m.channel_id);
  if (!channel) {
    refetchChannel(m.channel_id);
    return;
  }
  const isNew = !channel.last_message || channel.last_message.id < m.id;
  if (isNew) {
    const mine = m.author_id === currentAuth()?.user?.id;
    const unread = mine ? 0 : channel.unread_count + 1;
    store.state.channels.set(m.channel_id, {
      ...channel,
      last_message: m,
      unread_count: mine ? 0 : unread,
      last_read_message_id: mine ? m.id : channel.last_read_message_id,
    });
  }
  const seg = segment(m.channel_id);
  if (seg && !seg.hasNewer) merge(m.channel_id, [m], {});
  else decryptAll(m.channel_id, [m]);
  store.changed();
}

export async function editMessage(channelId, messageId, text) {
  const channel = store.state.channels.get(channelId);
  let content = text;
  if (channel && channel.encrypted) content = await e2e.encryptText(await channelKey(channelId), text);
  const message = await api.editMessage(channelId, messageId, content);
  if (channel && channel.encrypted) store.state.plaintext.set(messageId, text);
  replaceMessage(message);
}

export async function deleteMessage(channelId, messageId) {
  replaceMessage(await api.deleteMessage(channelId, messageId));
}

function replaceMessage(message) {
  const m = normalize(message);
  const seg = segment(m.channel_id);
  if (seg && seg.items.some((x) => x.id === m.id)) merge(m.channel_id, [m], {});
  const channel = store.state.channels.get(m.channel_id);
  if (channel && channel.last_message && channel.last_message.id === m.id) {
    store.state.channels.set(m.channel_id, { ...channel, last_message: m });
  }
  if (m.content) decryptAll(m.channel_id, [m]);
  store.changed();
}

/** Move the read marker forward to `messageId` (never backwards). */
export async function markRead(channelId, messageId) {
  const channel = store.state.channels.get(channelId);
  if (!channel || (channel.last_read_message_id || 0) >= messageId) return;
  const unread = countUnreadAfter(channelId, messageId);
  store.state.channels.set(channelId, {
    ...channel,
    last_read_message_id: messageId,
    unread_count: unread,
  });
  store.changed();
  try {
    await api.markRead(channelId, messageId);
  } catch {
    /* the next read moves it again */
  }
}

function countUnreadAfter(channelId, messageId) {
  const seg = segment(channelId);
  const me = currentAuth()?.user?.id;
  if (!seg) return 0;
  return seg.items.filter((m) => m.id > messageId && m.author_id !== me && !m.deleted_at).length;
}

let lastTyping = 0;
export function typing(channelId) {
  const now = Date.now();
  if (now - lastTyping < 5000) return;
  lastTyping = now;
  api.typing(channelId).catch(() => {});
}

export function typingUsers(channelId) {
  const map = store.state.typing.get(channelId);
  if (!map) return [];
  const now = Date.now();
  return [...map.entries()].filter(([, until]) => until > now).map(([id]) => id);
}

// --- end-to-end keys ----------------------------------------------------------------------

export async function channelKey(channelId) {
  const cached = store.state.channelKeys.get(channelId);
  if (cached) return cached;
  if (!store.state.privateKey) throw Object.assign(new Error("locked"), { code: "keys_locked" });
  const channel = store.state.channels.get(channelId);
  const sealed = channel?.encrypted_key || (await api.channelKey(channelId)).encrypted_key;
  const key = await e2e.openChannelSecret(store.state.privateKey, sealed);
  store.state.channelKeys.set(channelId, key);
  return key;
}

async function decryptAll(channelId, messages) {
  const channel = store.state.channels.get(channelId);
  if (!channel || !channel.encrypted || !store.state.privateKey) return;
  let key;
  try {
    key = await channelKey(channelId);
  } catch {
    return;
  }
  let changed = false;
  for (const m of messages) {
    if (!m.content || store.state.plaintext.has(m.id)) continue;
    try {
      store.state.plaintext.set(m.id, await e2e.decryptText(key, m.content));
    } catch {
      store.state.plaintext.set(m.id, null);
    }
    changed = true;
  }
  if (changed) store.changed();
}

export function unlockedWith(privateKey) {
  store.set({ privateKey });
  for (const [id, seg] of store.state.segments) decryptAll(id, seg.items);
  for (const channel of store.state.channels.values()) {
    if (channel.last_message) decryptAll(channel.id, [channel.last_message]);
  }
}

/** A new channel key encrypted to each of `userIds` (and to me): `{user id: ciphertext}`. */
async function sealedFor(userIds) {
  const me = currentAuth().user.id;
  const ids = [...new Set([me, ...userIds])];
  const secret = e2e.newChannelSecret();
  const keys = {};
  for (const id of ids) {
    const { public_key } = await api.publicKey(id).catch((err) => {
      if (err.status === 404) throw Object.assign(err, { code: "no_public_key", data: { name: userName(id) } });
      throw err;
    });
    keys[id] = await e2e.encryptChannelSecret(public_key, secret);
  }
  return keys;
}

export async function createGroup(name, memberIds, encrypted) {
  const keys = encrypted ? await sealedFor(memberIds) : undefined;
  return api.createGroup(name, memberIds, keys);
}

/** Add a member; in an encrypted group they get the channel key encrypted to them. */
export async function addMember(channelId, userId) {
  const channel = store.state.channels.get(channelId);
  let sealed;
  if (channel && channel.encrypted) {
    const { secret } = await channelKey(channelId);
    sealed = await e2e.encryptChannelSecret((await api.publicKey(userId)).public_key, secret);
  }
  return api.addMember(channelId, userId, sealed);
}

/** Create (or open) the encrypted DM with `userId`; the channel key goes to both of us. */
export async function openEncryptedDirect(userId) {
  const keys = await sealedFor([userId]);
  const channel = await api.openDirect(userId, keys);
  putChannel(channel);
  if (channel.encrypted) store.state.channelKeys.delete(channel.id);
  store.changed();
  return channel;
}

export async function openDirect(userId) {
  const channel = await api.openDirect(userId);
  putChannel(channel);
  store.changed();
  return channel;
}

// --- realtime -----------------------------------------------------------------------------

const typingTimers = new Map();

export function startRealtime(onRevoked) {
  const offs = [
    gateway.on("state", (state) => store.set({ connection: state })),
    gateway.on("READY", (ready) => {
      store.state.channels = new Map();
      for (const c of ready.channels) putChannel(c);
      store.state.presence = new Map((ready.presences || []).map((p) => [p.user_id, p.status]));
      loadOlderChannels(ready.channels_next_cursor).catch(() => {});
      // After INVALID_SESSION the loaded segments may have gaps: reload what is open.
      for (const id of store.state.segments.keys()) openLatest(id).catch(() => {});
      store.changed();
      loadFriends().catch(() => {});
    }),
    gateway.on("MESSAGE_CREATE", (m) => {
      clearTyping(m.channel_id, m.author_id);
      acceptMessage(m);
    }),
    gateway.on("MESSAGE_UPDATE", replaceMessage),
    gateway.on("MESSAGE_DELETE", (d) => {
      const seg = segment(d.channel_id);
      const old = seg && seg.items.find((m) => m.id === d.id);
      if (old) merge(d.channel_id, [{ ...old, content: null, deleted: true }], {});
      refetchChannel(d.channel_id);
    }),
    gateway.on("CHANNEL_CREATE", (c) => refetchChannel(c.id)),
    gateway.on("CHANNEL_UPDATE", (c) => refetchChannel(c.id)),
    gateway.on("CHANNEL_DELETE", (c) => dropChannel(c.id)),
    gateway.on("CHANNEL_MEMBER_ADD", (d) => refetchChannel(d.channel_id)),
    gateway.on("CHANNEL_MEMBER_REMOVE", (d) => {
      if (d.user_id === currentAuth()?.user?.id) dropChannel(d.channel_id);
      else refetchChannel(d.channel_id);
    }),
    gateway.on("READ_STATE_UPDATE", (d) => {
      const channel = store.state.channels.get(d.channel_id);
      if (!channel || (channel.last_read_message_id || 0) >= d.last_read_message_id) return;
      store.state.channels.set(d.channel_id, {
        ...channel,
        last_read_message_id: d.last_read_message_id,
        unread_count: countUnreadAfter(d.channel_id, d.last_read_message_id),
      });
      store.changed();
    }),
    gateway.on("TYPING_START", (d) => {
      const map = store.state.typing.get(d.channel_id) || new Map();
      map.set(d.user_id, Date.now() + TYPING_MS);
      store.state.typing.set(d.channel_id, map);
      const key = `${d.channel_id}:${d.user_id}`;
      clearTimeout(typingTimers.get(key));
      typingTimers.set(key, setTimeout(() => store.changed(), TYPING_MS + 50));
      store.changed();
    }),
    gateway.on("PRESENCE_UPDATE", (d) => {
      store.state.presence.set(d.user_id, d.status);
      store.changed();
    }),
    gateway.on("FRIEND_REQUEST", () => loadFriends().catch(() => {})),
    gateway.on("FRIEND_ADD", () => loadFriends().catch(() => {})),
    gateway.on("FRIEND_REMOVE", () => loadFriends().catch(() => {})),
    gateway.on("revoked", onRevoked),
  ];
  gateway.start();
  return () => {
    for (const off of offs) off();
    gateway.stop();
  };
}

function clearTyping(channelId, userId) {
  const map = store.state.typing.get(channelId);
  if (map) map.delete(userId);
}
