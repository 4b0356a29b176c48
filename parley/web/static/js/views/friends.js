// Friends and people: search by username prefix, requests, blocks.
import { html, useEffect } from "../../vendor/preact-htm.js";
import { api } from "../api.js";
import { loadFriends } from "../chat.js";
import { t } from "../i18n.js";
import { store, useStore } from "../store.js";
import { ErrorLine, useAction } from "../ui.js";
import { PeopleSearch, openDmWith } from "./chat.js";

const name = (u) => u.display_name || u.username;

export function FriendsPage() {
  const state = useStore();
  useEffect(() => {
    loadFriends().catch(() => {});
  }, []);
  const [act, , error] = useAction(async (fn) => {
    await fn();
    await loadFriends();
  });
  const friendIds = new Set(state.friends.map((f) => f.user.id));
  const hasKeys = !!state.privateKey;
  const actions = (u) =>
    friendIds.has(u.id)
      ? [[t("friends.message"), () => act(() => openDmWith(u.id))]]
      : [
          [t("friends.add"), () => act(() => api.sendFriendRequest(u.id))],
          [t("friends.message"), () => act(() => openDmWith(u.id))],
          [t("friends.block"), () => act(() => api.block(u.id))],
        ];
  const incoming = state.requests.filter((r) => r.incoming);
  const outgoing = state.requests.filter((r) => !r.incoming);
  return html`<main class="page" id="main">
    <h1>${t("friends.title")}</h1>
    <${ErrorLine} error=${error} />
    <section class="card" aria-labelledby="people-title">
      <h2 id="people-title">${t("people.title")}</h2>
      <${PeopleSearch} actionLabel=${actions} />
    </section>
    <section class="card" aria-labelledby="incoming-title">
      <h2 id="incoming-title">${t("friends.incoming")}</h2>
      ${incoming.length === 0 ? html`<p class="small">${t("friends.no_requests")}</p>` : null}
      <ul class="people">
        ${incoming.map(
          (r) => html`<li key=${r.id}>
            <span>${name(r.user)}</span>
            <button type="button" onClick=${() => act(() => api.acceptFriendRequest(r.id))}
              aria-label=${t("friends.accept_named", { name: r.user.username })}>${t("friends.accept")}</button>
            <button type="button" class="secondary" onClick=${() => act(() => api.deleteFriendRequest(r.id))}
              aria-label=${t("friends.decline_named", { name: r.user.username })}>${t("friends.decline")}</button>
          </li>`,
        )}
      </ul>
      <h2>${t("friends.outgoing")}</h2>
      ${outgoing.length === 0 ? html`<p class="small">${t("friends.no_requests")}</p>` : null}
      <ul class="people">
        ${outgoing.map(
          (r) => html`<li key=${r.id}>
            <span>${name(r.user)}</span>
            <button type="button" class="secondary" onClick=${() => act(() => api.deleteFriendRequest(r.id))}
              aria-label=${t("friends.cancel_named", { name: r.user.username })}>${t("friends.cancel")}</button>
          </li>`,
        )}
      </ul>
    </section>
    <section class="card" aria-labelledby="friends-title">
      <h2 id="friends-title">${t("friends.list")}</h2>
      ${state.friends.length === 0 ? html`<p class="small">${t("friends.none")}</p>` : null}
      <ul class="people">
        ${state.friends.map(
          (f) => html`<li key=${f.user.id}>
            <span>
              <span class=${`presence ${store.state.presence.get(f.user.id) === "online" ? "online" : "offline"}`}></span>
              ${name(f.user)} <span class="small">@${f.user.username}</span>
            </span>
            <button type="button" onClick=${() => act(() => openDmWith(f.user.id))}
              aria-label=${t("friends.message_named", { name: f.user.username })}>${t("friends.message")}</button>
            ${hasKeys
              ? html`<button type="button" class="secondary" onClick=${() => act(() => openDmWith(f.user.id, true))}
                  aria-label=${t("friends.encrypted_named", { name: f.user.username })}>${t("friends.encrypted")}</button>`
              : null}
            <button type="button" class="secondary" onClick=${() => act(() => api.removeFriend(f.user.id))}
              aria-label=${t("friends.remove_named", { name: f.user.username })}>${t("friends.remove")}</button>
            <button type="button" class="danger" onClick=${() => act(() => api.block(f.user.id))}
              aria-label=${t("friends.block_named", { name: f.user.username })}>${t("friends.block")}</button>
          </li>`,
        )}
      </ul>
    </section>
    <section class="card" aria-labelledby="blocked-title">
      <h2 id="blocked-title">${t("friends.blocked")}</h2>
      ${state.blocks.length === 0 ? html`<p class="small">${t("friends.none_blocked")}</p>` : null}
      <ul class="people">
        ${state.blocks.map(
          (b) => html`<li key=${b.user.id}>
            <span>${name(b.user)}</span>
            <button type="button" class="secondary" onClick=${() => act(() => api.unblock(b.user.id))}
              aria-label=${t("friends.unblock_named", { name: b.user.username })}>${t("friends.unblock")}</button>
          </li>`,
        )}
      </ul>
    </section>
  </main>`;
}
