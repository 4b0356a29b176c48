// The one module that knows the native API's endpoints. Tokens live in localStorage; a 401
// refreshes once (single flight) and retries; a failed refresh signs the tab out.

const AUTH_KEY = "parley.auth";
const DEVICE_KEY = "parley.device_id";

export class ApiError extends Error {
  constructor(status, body) {
    const error = (body && body.error) || {};
    super(error.message || `HTTP ${status}`);
    this.status = status;
    this.code = error.code || (status === 0 ? "network" : "http_error");
    this.data = error;
  }
}

/** A stable id for this browser, so a known browser is not asked for a code again. */
export function deviceId() {
  let id = localStorage.getItem(DEVICE_KEY);
  if (!id) {
    id = `web-${crypto.randomUUID()}`;
    localStorage.setItem(DEVICE_KEY, id);
  }
  return id;
}

let auth = readAuth();
const listeners = new Set();

function readAuth() {
  try {
    return JSON.parse(localStorage.getItem(AUTH_KEY) || "null");
  } catch {
    return null;
  }
}

export function currentAuth() {
  return auth;
}

/** Called with the new auth (or null when signed out, with the reason). */
export function onAuthChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function setAuth(pair, reason) {
  auth = pair
    ? {
        access_token: pair.access_token,
        refresh_token: pair.refresh_token,
        session_id: pair.session_id,
        user: pair.user,
        expires_at: Date.now() + pair.expires_in * 1000,
      }
    : null;
  if (auth) localStorage.setItem(AUTH_KEY, JSON.stringify(auth));
  else localStorage.removeItem(AUTH_KEY);
  for (const fn of listeners) fn(auth, reason);
}

// Bumped whenever the user changes here, so a refresh answered meanwhile (its user read before
// the change) does not bring the old one back.
let userVersion = 0;

export function updateUser(user) {
  if (!auth) return;
  userVersion += 1;
  auth = { ...auth, user };
  localStorage.setItem(AUTH_KEY, JSON.stringify(auth));
}

// Another tab signed in or out: follow it.
window.addEventListener("storage", (event) => {
  if (event.key !== AUTH_KEY) return;
  const next = readAuth();
  const changedSession = (next && next.session_id) !== (auth && auth.session_id);
  auth = next;
  if (changedSession) for (const fn of listeners) fn(auth, "storage");
});

let refreshing = null;

/** Trade the refresh token for a new pair, once per tab at a time and, where the browser has
 * Web Locks, once across tabs: a tab that waited adopts what another tab stored meanwhile
 * instead of presenting the spent token. */
export function refresh() {
  if (!auth || !auth.refresh_token) return Promise.resolve(false);
  if (!refreshing) {
    const spent = auth.refresh_token;
    const run = () => exchange(spent);
    refreshing = (navigator.locks ? navigator.locks.request("parley-refresh", run) : run()).finally(
      () => {
        refreshing = null;
      },
    );
  }
  return refreshing;
}

function adoptStored(spent) {
  const stored = readAuth();
  if (stored && stored.refresh_token && stored.refresh_token !== spent) {
    auth = stored;
    return true;
  }
  return false;
}

async function exchange(spent) {
  if (adoptStored(spent)) return true;
  try {
    const version = userVersion;
    const pair = await send("POST", "/auth/refresh", { refresh_token: spent }, false);
    setAuth(version === userVersion || !auth ? pair : { ...pair, user: auth.user });
    return true;
  } catch (err) {
    if (err.code === "refresh_in_progress") {
      await new Promise((done) => setTimeout(done, 1000)); // another tab is mid-refresh
      if (adoptStored(spent)) return true;
    }
    if (err.status === 401 || err.status === 409) setAuth(null, "expired");
    return false;
  }
}

/** A valid access token (refreshed first when it is about to expire), or null. */
export async function accessToken() {
  if (auth && auth.expires_at - Date.now() < 30_000) await refresh();
  return auth ? auth.access_token : null;
}

async function send(method, path, body, withAuth = true) {
  const headers = {};
  let payload;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  if (withAuth) {
    const token = await accessToken();
    if (token) headers.Authorization = `Bearer ${token}`;
  }
  let response;
  try {
    response = await fetch(`/v1${path}`, { method, headers, body: payload });
  } catch {
    throw new ApiError(0, { error: { code: "network", message: "Network error" } });
  }
  if (response.status === 204) return null;
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

async function call(method, path, body) {
  try {
    return await send(method, path, body);
  } catch (err) {
    // A wrong password (e.g. changing it) is a 401 too, but says nothing about the token.
    if (err.status === 401 && err.code !== "invalid_credentials" && auth) {
      if (await refresh()) return send(method, path, body);
      if (auth) setAuth(null, "expired");
    }
    throw err;
  }
}

// Cleared once the server says its storage takes no direct uploads (the file backend).
let directUploads = true;

/** A file into a channel as an unsent upload: PUT straight to the bucket through a slot when
 * the storage takes direct uploads (S3), else multipart through Parley. */
async function uploadAttachment(channelId, file) {
  if (directUploads) {
    try {
      const slot = await call("POST", `/channels/${channelId}/attachments/uploads`, {
        filename: file.name || "file",
        size: file.size,
      });
      let put;
      try {
        put = await fetch(slot.url, { method: slot.method, headers: slot.headers, body: file });
      } catch {
        throw new ApiError(0, null);
      }
      if (!put.ok) throw new ApiError(put.status, null);
      return await call("POST", `/channels/${channelId}/attachments/uploads/${slot.upload_id}/complete`);
    } catch (err) {
      if (err.code !== "direct_uploads_unavailable") throw err;
      directUploads = false;
    }
  }
  const form = new FormData();
  form.append("file", file);
  return call("POST", `/channels/${channelId}/attachments`, form);
}

/** An attachment's bytes (its `url` is members only: sent with the token). */
async function attachmentBlob(url) {
  const token = await accessToken();
  let response;
  try {
    response = await fetch(url, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  } catch {
    throw new ApiError(0, null);
  }
  if (!response.ok) throw new ApiError(response.status, null);
  return response.blob();
}

const q = (params) => {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null) search.set(k, v);
  const s = search.toString();
  return s ? `?${s}` : "";
};

export const api = {
  // accounts
  register: (body) => send("POST", "/auth/register", body, false),
  login: (login, password) =>
    send("POST", "/auth/login", { login, password, device_id: deviceId() }, false),
  loginVerify: (challenge, code) =>
    send("POST", "/auth/login/verify", { challenge, code, device_id: deviceId() }, false),
  loginSecondFactor: (challenge, answer) =>
    send("POST", "/auth/login/2fa", { challenge, ...answer, device_id: deviceId() }, false),
  passkeySignInOptions: () => send("POST", "/auth/passkeys/sign-in/options", undefined, false),
  passkeySignIn: (challenge_id, credential) =>
    send("POST", "/auth/passkeys/sign-in", { challenge_id, credential, device_id: deviceId() }, false),
  logout: () => call("POST", "/auth/logout"),
  changePassword: (old_password, new_password) =>
    call("POST", "/auth/change-password", { old_password, new_password }),
  me: () => call("GET", "/users/me"),
  verifyEmail: (code) => call("POST", "/auth/email/verify", { code }),
  verifyEmailLink: (token) => send("POST", "/auth/email/verify/link", { token }, false),
  resendVerification: () => call("POST", "/auth/email/verify/resend"),
  requestReset: (email) => send("POST", "/auth/password-reset", { email }, false),
  confirmReset: (body) => send("POST", "/auth/password-reset/confirm", body, false),
  notMe: (token) => send("POST", "/auth/not-me", { token }, false),
  revertEmailChange: (token) => send("POST", "/auth/email-change/revert", { token }, false),
  sessions: () => call("GET", "/sessions"),
  revokeSession: (id) => call("DELETE", `/sessions/${id}`),
  revokeOtherSessions: () => call("DELETE", "/sessions"),
  devices: () => call("GET", "/devices"),
  forgetDevice: (id) => call("DELETE", `/devices/${id}`),
  // second factors
  twoFactor: () => call("GET", "/auth/2fa"),
  startTotp: () => call("POST", "/auth/2fa/totp"),
  confirmTotp: (code) => call("POST", "/auth/2fa/totp/confirm", { code }),
  disableTotp: (password) => call("POST", "/auth/2fa/totp/disable", { password }),
  newRecoveryCodes: async (password) =>
    (await call("POST", "/auth/2fa/recovery-codes", { password })).recovery_codes,
  passkeys: () => call("GET", "/auth/passkeys"),
  passkeyOptions: () => call("POST", "/auth/passkeys/registration/options"),
  addPasskey: (challenge_id, credential, name) =>
    call("POST", "/auth/passkeys/registration", { challenge_id, credential, name }),
  renamePasskey: (id, name) => call("PATCH", `/auth/passkeys/${id}`, { name }),
  removePasskey: (id, current_password) =>
    call("DELETE", `/auth/passkeys/${id}`, { current_password: current_password || null }),
  // people and profile
  searchUsers: (prefix, after) =>
    call("GET", `/users${q({ username: prefix, match: "prefix", after, limit: 20 })}`),
  user: (id) => call("GET", `/users/${id}`),
  profile: () => call("GET", "/users/me/profile"),
  updateProfile: (patch) => call("PATCH", "/users/me", patch),
  uploadAvatar: (file) => {
    const form = new FormData();
    form.append("file", file);
    return call("PUT", "/users/me/avatar", form);
  },
  deleteAvatar: () => call("DELETE", "/users/me/avatar"),
  // friends
  friends: (before) => call("GET", `/friends${q({ before, limit: 100 })}`),
  removeFriend: (userId) => call("DELETE", `/friends/${userId}`),
  friendRequests: () => call("GET", "/friend-requests"),
  sendFriendRequest: (userId) => call("POST", "/friend-requests", { user_id: userId }),
  acceptFriendRequest: (id) => call("POST", `/friend-requests/${id}/accept`),
  deleteFriendRequest: (id) => call("DELETE", `/friend-requests/${id}`),
  blocks: () => call("GET", "/blocks"),
  block: (userId) => call("POST", "/blocks", { user_id: userId }),
  unblock: (userId) => call("DELETE", `/blocks/${userId}`),
  // channels and messages
  channels: (before) => call("GET", `/channels${q({ before, limit: 100 })}`),
  channel: (id) => call("GET", `/channels/${id}`),
  openDirect: (userId, encryptedKeys) =>
    call("POST", "/channels/direct", { user_id: userId, encrypted_keys: encryptedKeys }),
  createGroup: (name, memberIds, encryptedKeys) =>
    call("POST", "/channels", { name, member_ids: memberIds, encrypted_keys: encryptedKeys }),
  renameChannel: (id, name) => call("PATCH", `/channels/${id}`, { name }),
  deleteChannel: (id) => call("DELETE", `/channels/${id}`),
  members: (id) => call("GET", `/channels/${id}/members`),
  addMember: (id, userId, encryptedKey) =>
    call("POST", `/channels/${id}/members`, { user_id: userId, encrypted_key: encryptedKey }),
  removeMember: (id, userId) => call("DELETE", `/channels/${id}/members/${userId}`),
  channelKey: (id) => call("GET", `/channels/${id}/key`),
  messages: async (id, params) =>
    (await call("GET", `/channels/${id}/messages${q({ limit: 50, ...params })}`)).items,
  sendMessage: (id, content, replyTo, attachmentIds) =>
    call("POST", `/channels/${id}/messages`, {
      content,
      reply_to_id: replyTo || undefined,
      attachment_ids: attachmentIds,
    }),
  uploadAttachment,
  attachmentBlob,
  editMessage: (id, messageId, content) =>
    call("PATCH", `/channels/${id}/messages/${messageId}`, { content }),
  deleteMessage: (id, messageId) => call("DELETE", `/channels/${id}/messages/${messageId}`),
  markRead: (id, messageId) => call("POST", `/channels/${id}/read`, { message_id: messageId }),
  typing: (id) => call("POST", `/channels/${id}/typing`),

  vapidKey: () => call("GET", "/push/vapid-key"),
  pushSubscribe: (subscription) => call("POST", "/push/subscriptions", subscription),
  pushUnsubscribe: (id) => call("DELETE", `/push/subscriptions/${id}`),
  // end-to-end key material
  myKeys: () => call("GET", "/users/me/keys"),
  putKeys: (body) => call("PUT", "/users/me/keys", body),
  unlockKeys: (pin) => call("POST", "/users/me/keys/unlock", { pin }),
  publicKey: (userId) => call("GET", `/users/${userId}/public-key`),
  // QR sign-in
  qrTicket: (ticket) => call("GET", `/qr/${encodeURIComponent(ticket)}`),
  qrApprove: (ticket, checkCode) =>
    call("POST", `/qr/${encodeURIComponent(ticket)}/approve`, { check_code: checkCode }),
  qrDeny: (ticket, checkCode) =>
    call("POST", `/qr/${encodeURIComponent(ticket)}/deny`, { check_code: checkCode }),
  qrConfirm: (ticket, code) =>
    send("POST", `/qr/${encodeURIComponent(ticket)}/confirm`, { code }, false),
  qrExchange: (ticket, exchangeCode) =>
    send(
      "POST",
      "/qr/exchange",
      { ticket, exchange_code: exchangeCode, device_id: deviceId() },
      false,
    ),
  // OpenID Connect consent
  oauthAuthorize: (query, consent) => call("POST", "/oauth/authorize", { query, consent }),
  // the admin console (admin role): destructive actions send the admin's own password
  admin: {
    me: () => call("GET", "/admin/me"),
    users: (prefix, after, limit = 50) => call("GET", `/admin/users${q({ q: prefix, after, limit })}`),
    user: (id) => call("GET", `/admin/users/${id}`),
    setDisabled: (id, disabled, password) =>
      call("PATCH", `/admin/users/${id}`, { disabled, current_password: password }),
    revokeSessions: (id, password) =>
      call("POST", `/admin/users/${id}/revoke-sessions`, { current_password: password }),
    resetTwoFactor: (id, password) =>
      call("POST", `/admin/users/${id}/reset-two-factor`, { current_password: password }),
    unlockKey: (id) => call("POST", `/admin/users/${id}/unlock-key`),
    roles: () => call("GET", "/admin/roles"),
    grantRole: (id, role) => call("POST", `/admin/users/${id}/roles`, { role }),
    revokeRole: (id, role) => call("DELETE", `/admin/users/${id}/roles/${encodeURIComponent(role)}`),
    apps: () => call("GET", "/admin/apps"),
    createApp: (body) => call("POST", "/admin/apps", body),
    rotateToken: (id, password) =>
      call("POST", `/admin/apps/${id}/rotate-token`, { current_password: password }),
    rotateSecret: (id, password) =>
      call("POST", `/admin/apps/${id}/rotate-secret`, { current_password: password }),
    setRedirectUris: (id, redirectUris, postLogoutUris) =>
      call("PUT", `/admin/apps/${id}/redirect-uris`, {
        redirect_uris: redirectUris,
        post_logout_redirect_uris: postLogoutUris,
      }),
    deleteApp: (id, password) => call("DELETE", `/admin/apps/${id}`, { current_password: password }),
    audit: (filters) => call("GET", `/admin/audit${q({ limit: 50, ...filters })}`),
    figures: () => call("GET", "/admin/figures"),
  },
};
