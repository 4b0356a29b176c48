// The chat screen: the channel list beside the open channel (one or the other at phone width).
import { html, useEffect, useRef, useState } from "../../vendor/preact-htm.js";
import { api, currentAuth } from "../api.js";
import * as chat from "../chat.js";
import { t } from "../i18n.js";
import { store, useStore } from "../store.js";
import { ErrorLine, Field, Link, navigate, useAction } from "../ui.js";
import { Composer, MessageList, messageText } from "./messages.js";
import { GroupPanel, NewGroup } from "./group.js";

export function ChatPage({ channelId }) {
  const state = useStore();
  const channel = channelId ? state.channels.get(channelId) : null;
  return html`<div class=${`chat${channelId ? " has-channel" : ""}`}>
    <${ChannelList} activeId=${channelId} />
    <main class="channel" id="main">
      ${channel
        ? html`<${ChannelView} key=${channel.id} channel=${channel} />`
        : channelId
          ? html`<p class="empty">${t("common.loading")}</p>`
          : html`<p class="empty">${t("chat.pick_channel")}</p>`}
    </main>
  </div>`;
}

function ChannelList({ activeId }) {
  const state = useStore();
  const [creating, setCreating] = useState(false);
  const channels = chat.sortedChannels();
  return html`<nav class="channels" aria-label=${t("chat.channels")}>
    <div class="channels-head">
      <h2>${t("chat.channels")}</h2>
      <button type="button" class="secondary" onClick=${() => setCreating(!creating)} aria-expanded=${creating}>
        ${t("group.new")}
      </button>
    </div>
    ${creating ? html`<${NewGroup} onDone=${() => setCreating(false)} />` : null}
    ${state.connection !== "ready" && state.connection !== "idle"
      ? html`<p class="small status" role="status">${t(`conn.${state.connection}`)}</p>`
      : null}
    ${channels.length === 0 ? html`<p class="small">${t("chat.no_channels")}</p>` : null}
    <ul class="channel-list">
      ${channels.map((c) => html`<li key=${c.id}><${ChannelItem} channel=${c} active=${c.id === activeId} /></li>`)}
    </ul>
  </nav>`;
}

function ChannelItem({ channel, active }) {
  const state = store.state;
  const title = chat.channelTitle(channel);
  const last = channel.last_message;
  const preview = last ? messageText(channel, last) ?? t("chat.deleted") : t("chat.no_messages");
  const online = channel.other_user && state.presence.get(channel.other_user.id) === "online";
  return html`<${Link}
    href=${`/chat/${channel.id}`}
    class=${`channel-item${active ? " active" : ""}`}
    aria-current=${active ? "page" : undefined}
  >
    <span class="title">
      ${channel.kind === "dm"
        ? html`<span class=${`presence ${online ? "online" : "offline"}`}
            title=${online ? t("presence.online") : t("presence.offline")}></span>`
        : null}
      ${title} ${channel.encrypted ? html`<span class="small">🔒</span>` : null}
      <span class="sr-only">${online ? t("presence.online") : ""}</span>
    </span>
    <span class="preview">${preview}</span>
    ${channel.unread_count > 0
      ? html`<span class="badge" aria-label=${t("chat.unread", { count: channel.unread_count })}>${channel.unread_count}</span>`
      : null}
  <//>`;
}

function ChannelView({ channel }) {
  const state = useStore();
  const [replyTo, setReplyTo] = useState(null);
  const [showMembers, setShowMembers] = useState(false);
  const [error, setError] = useState(null);
  const jumpTo = useRef(null);
  const initialUnread = useRef({ count: channel.unread_count, lastRead: channel.last_read_message_id });

  useEffect(() => {
    chat
      .openLatest(channel.id)
      .then(() => {
        // Unread messages within the newest page: open at the first of them.
        const { count, lastRead } = initialUnread.current;
        const items = store.state.segments.get(channel.id)?.items || [];
        const first = lastRead && items.some((m) => m.id === lastRead) && items.find((m) => m.id > lastRead);
        if (count > 0 && first) {
          jumpTo.current = first.id;
          store.changed();
        }
      })
      .catch(setError);
    if (channel.kind === "group") {
      api.members(channel.id).then((members) => {
        for (const m of members) store.state.users.set(m.user.id, m.user);
        store.changed();
      });
    }
  }, [channel.id]);

  const seg = state.segments.get(channel.id);
  const lastRead = initialUnread.current.lastRead;
  const firstUnreadLoaded = seg && lastRead && seg.items.some((m) => m.id === lastRead);
  const canJump = initialUnread.current.count > 0 && lastRead && seg && !firstUnreadLoaded;
  const jump = async () => {
    const next = await api.messages(channel.id, { after: lastRead, limit: 1 });
    const target = next[0] ? next[0].id : lastRead;
    jumpTo.current = target;
    await chat.openAround(channel.id, target);
  };

  const typers = chat.typingUsers(channel.id).map(chat.userName);
  const other = channel.other_user;
  const online = other && state.presence.get(other.id) === "online";
  const locked = channel.encrypted && !state.privateKey;
  return html`<section class="channel-view" aria-labelledby="channel-title">
    <header class="channel-head">
      <${Link} href="/chat" class="back">${t("common.back")}<//>
      <div>
        <h1 id="channel-title">${chat.channelTitle(channel)}</h1>
        <p class="small">
          ${other ? (online ? t("presence.online") : t("presence.offline")) : t("group.members_count", { count: channel.member_count })}
          ${channel.encrypted ? ` · ${t("e2e.encrypted")}` : ""}
        </p>
      </div>
      ${channel.kind === "group"
        ? html`<button type="button" class="secondary" aria-expanded=${showMembers} onClick=${() => setShowMembers(!showMembers)}>
            ${t("group.settings")}
          </button>`
        : null}
    </header>
    ${showMembers ? html`<${GroupPanel} channel=${channel} />` : null}
    ${locked ? html`<p class="notice" role="status">${t("e2e.locked")} <${Link} href="/keys">${t("e2e.unlock")}<//></p>` : null}
    <${ErrorLine} error=${error} />
    ${canJump
      ? html`<button type="button" class="jump" onClick=${jump}>${t("chat.jump_unread")}</button>`
      : null}
    ${seg && seg.hasNewer
      ? html`<button type="button" class="jump" onClick=${() => chat.openLatest(channel.id)}>${t("chat.jump_latest")}</button>`
      : null}
    <${MessageList} channel=${channel} onReply=${setReplyTo} jumpTo=${jumpTo} unreadAfter=${lastRead} />
    <p class="typing small" aria-live="polite">
      ${typers.length ? t("chat.typing", { names: typers.join(", ") }) : ""}
    </p>
    <${Composer} channel=${channel} replyTo=${replyTo} onClearReply=${() => setReplyTo(null)} />
  </section>`;
}

/** Find people by username prefix; open a DM or ask them to be friends. */
export function PeopleSearch({ onPick, actionLabel }) {
  const [prefix, setPrefix] = useState("");
  const [results, setResults] = useState([]);
  const [run, busy, error] = useAction(async () => {
    const page = await api.searchUsers(prefix.trim());
    const me = currentAuth()?.user?.id;
    setResults(page.items.filter((u) => u.id !== me));
  });
  return html`<form class="search" role="search" onSubmit=${(e) => {
      e.preventDefault();
      run();
    }}>
    <${Field} label=${t("people.search")} type="search" value=${prefix} onInput=${setPrefix} required />
    <button type="submit" disabled=${busy}>${t("people.find")}</button>
    <${ErrorLine} error=${error} />
    <ul class="people">
      ${results.map(
        (u) => html`<li key=${u.id}>
          <span>${u.display_name || u.username} <span class="small">@${u.username}</span></span>
          ${actionLabel(u).map(
            ([label, fn]) => html`<button type="button" class="secondary" onClick=${() => fn(u)}>${label}</button>`,
          )}
        </li>`,
      )}
    </ul>
  </form>`;
}

export async function openDmWith(userId, encrypted = false) {
  const channel = encrypted ? await chat.openEncryptedDirect(userId) : await chat.openDirect(userId);
  navigate(`/chat/${channel.id}`);
}
