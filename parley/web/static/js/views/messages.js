// The message view: a window of at most WINDOW messages in the DOM over the loaded segment,
// older pages fetched as you scroll up, newer ones (after a jump) as you scroll down.
import { html, useEffect, useLayoutEffect, useRef, useState } from "../../vendor/preact-htm.js";
import { currentAuth } from "../api.js";
import * as chat from "../chat.js";
import { formatTime, t } from "../i18n.js";
import { store, useStore } from "../store.js";
import { ErrorLine, useAction } from "../ui.js";

const WINDOW = 120;
const STEP = 40;
const EDGE = 300;

function indexOf(items, id) {
  const i = items.findIndex((m) => m.id === id);
  return i < 0 ? 0 : i;
}

export function MessageList({ channel, onReply, jumpTo, unreadAfter }) {
  const state = useStore();
  const seg = state.segments.get(channel.id) || { items: [], hasOlder: false, hasNewer: false };
  const items = seg.items;
  const [win, setWin] = useState({ follow: true, startId: null, endId: null });
  const box = useRef(null);
  const anchor = useRef(null);
  const me = currentAuth()?.user?.id;

  let start;
  let end;
  if (win.follow && !seg.hasNewer) {
    end = items.length;
    start = Math.max(0, end - WINDOW);
  } else {
    start = win.startId === null ? Math.max(0, items.length - WINDOW) : indexOf(items, win.startId);
    end = win.endId === null ? items.length : indexOf(items, win.endId) + 1;
  }
  const visible = items.slice(start, end);

  const keepAnchor = () => {
    const el = box.current;
    if (!el) return;
    const first = [...el.querySelectorAll("[data-id]")].find((n) => n.offsetTop + n.offsetHeight > el.scrollTop);
    anchor.current = first ? { id: first.dataset.id, offset: first.offsetTop - el.scrollTop } : null;
  };

  const setRange = (s, e, follow = false) => {
    keepAnchor();
    setWin({ follow, startId: items[s]?.id ?? null, endId: items[e - 1]?.id ?? null });
  };

  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    if (jumpTo.current) {
      const target = el.querySelector(`[data-id="${jumpTo.current}"]`);
      if (target) {
        el.scrollTop = target.offsetTop - 40;
        target.focus({ preventScroll: true });
        jumpTo.current = null;
        return;
      }
    }
    if (anchor.current) {
      const node = el.querySelector(`[data-id="${anchor.current.id}"]`);
      if (node) el.scrollTop = node.offsetTop - anchor.current.offset;
      anchor.current = null;
    } else if (win.follow && !seg.hasNewer) {
      el.scrollTop = el.scrollHeight;
    }
  });

  // A jump replaces the segment: centre the window on the target.
  useEffect(() => {
    if (!jumpTo.current || !items.length) return;
    const i = indexOf(items, jumpTo.current);
    const s = Math.max(0, i - STEP);
    setWin({ follow: false, startId: items[s].id, endId: items[Math.min(items.length, s + WINDOW) - 1].id });
  }, [seg, jumpTo.current]);

  const markVisibleRead = () => {
    const el = box.current;
    if (!el || document.visibilityState !== "visible") return;
    const bottom = el.scrollTop + el.clientHeight;
    let last = 0;
    for (const node of el.querySelectorAll("[data-id]")) {
      if (node.offsetTop < bottom) last = Math.max(last, Number(node.dataset.id));
    }
    if (last) chat.markRead(channel.id, last);
  };

  useEffect(() => {
    markVisibleRead();
  });

  const onScroll = async () => {
    const el = box.current;
    if (!el) return;
    markVisibleRead();
    const fromBottom = el.scrollHeight - el.scrollTop - el.clientHeight;
    if (el.scrollTop < EDGE) {
      if (start > 0) {
        const s = Math.max(0, start - STEP);
        setRange(s, Math.min(items.length, s + WINDOW));
      } else if (seg.hasOlder && !seg.loading) {
        const firstId = items[0]?.id;
        const added = await chat.loadOlder(channel.id);
        if (added) {
          const now = store.state.segments.get(channel.id).items;
          const s = Math.max(0, indexOf(now, firstId) - STEP);
          keepAnchor();
          setWin({ follow: false, startId: now[s].id, endId: now[Math.min(now.length, s + WINDOW) - 1].id });
        }
      }
    } else if (fromBottom < EDGE) {
      if (end < items.length) {
        const e = Math.min(items.length, end + STEP);
        setRange(Math.max(0, e - WINDOW), e, e === items.length && !seg.hasNewer);
      } else if (seg.hasNewer && !seg.loading) {
        await chat.loadNewer(channel.id);
        const now = store.state.segments.get(channel.id).items;
        const e = Math.min(now.length, end + STEP);
        keepAnchor();
        setWin({ follow: false, startId: now[Math.max(0, e - WINDOW)].id, endId: now[e - 1].id });
      } else if (!win.follow) {
        setWin({ follow: true, startId: null, endId: null });
      }
    } else if (win.follow) {
      setWin({ follow: false, startId: items[start]?.id ?? null, endId: null });
    }
  };

  const firstUnread = unreadAfter;
  const pending = state.pending.get(channel.id) || [];
  const byId = new Map(items.map((m) => [m.id, m]));
  return html`<div class="messages" ref=${box} onScroll=${onScroll} tabindex="0" aria-label=${t("chat.messages")}>
    ${seg.hasOlder && start === 0 ? html`<p class="small center">${t("chat.loading_older")}</p>` : null}
    ${!seg.hasOlder && start === 0 ? html`<p class="small center">${t("chat.start_of_history")}</p>` : null}
    <ol class="message-list">
      ${visible.map(
        (m, i) => html`
          ${firstUnread && m.id > firstUnread && (i === 0 ? items[start - 1]?.id <= firstUnread : visible[i - 1].id <= firstUnread) && m.author_id !== me
            ? html`<li class="divider"><span>${t("chat.new_messages")}</span></li>`
            : null}
          <${MessageItem}
            key=${m.id}
            message=${m}
            channel=${channel}
            mine=${m.author_id === me}
            replyTo=${m.reply_to_id ? byId.get(m.reply_to_id) : null}
            onReply=${onReply}
          />`,
      )}
      ${!seg.hasNewer
        ? pending.map((p) => html`<${PendingItem} key=${`p${p.nonce}`} item=${p} channelId=${channel.id} />`)
        : null}
    </ol>
    ${seg.hasNewer ? html`<p class="small center">${t("chat.more_below")}</p>` : null}
  </div>`;
}

export function messageText(channel, m) {
  if (m.deleted_at || m.content === null) return null;
  if (!channel.encrypted) return m.content;
  const plain = store.state.plaintext.get(m.id);
  if (plain === undefined) return store.state.privateKey ? t("e2e.decrypting") : t("e2e.locked_message");
  if (plain === null) return t("e2e.undecryptable");
  return plain;
}

function MessageItem({ message, channel, mine, replyTo, onReply }) {
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState("");
  const [error, setError] = useState(null);
  const text = messageText(channel, message);
  const author = chat.userName(message.author_id);
  const save = async (e) => {
    e.preventDefault();
    try {
      await chat.editMessage(channel.id, message.id, draft);
      setEditing(false);
    } catch (err) {
      setError(err);
    }
  };
  const remove = async () => {
    try {
      await chat.deleteMessage(channel.id, message.id);
    } catch (err) {
      setError(err);
    }
  };
  return html`<li class=${`message${mine ? " mine" : ""}`} data-id=${message.id} tabindex="-1"
    aria-label=${t("chat.message_from", { name: author })}>
    <div class="meta">
      <span class="author">${author}</span>
      <time datetime=${message.created_at}>${formatTime(message.created_at)}</time>
      ${message.edited_at && !message.deleted_at ? html`<span class="small">${t("chat.edited")}</span>` : null}
    </div>
    ${replyTo
      ? html`<blockquote class="reply-quote">${chat.userName(replyTo.author_id)}: ${messageText(channel, replyTo) ?? t("chat.deleted")}</blockquote>`
      : null}
    ${editing
      ? html`<form class="edit" onSubmit=${save}>
          <label class="sr-only" for=${`edit-${message.id}`}>${t("chat.edit_label")}</label>
          <input id=${`edit-${message.id}`} value=${draft} onInput=${(e) => setDraft(e.currentTarget.value)} required />
          <button type="submit">${t("common.save")}</button>
          <button type="button" class="secondary" onClick=${() => setEditing(false)}>${t("common.cancel")}</button>
        </form>`
      : html`<p class=${`content${text === null ? " deleted" : ""}`}>${text ?? t("chat.deleted")}</p>`}
    ${(message.attachments || []).length && !message.deleted_at
      ? html`<ul class="attachments">
          ${message.attachments.map(
            (a) => html`<li key=${a.id}>
              <button type="button" class="link" onClick=${() => chat.saveAttachment(a).catch(setError)}
                aria-label=${t("chat.download", { name: a.filename })}>${a.filename}</button>
              <span class="small"> ${formatSize(a.size)}</span>
            </li>`,
          )}
        </ul>`
      : null}
    <${ErrorLine} error=${error} />
    ${text !== null && !editing
      ? html`<div class="message-actions">
          <button type="button" class="link" onClick=${() => onReply(message)}
            aria-label=${t("chat.reply_to", { name: author })}>${t("chat.reply")}</button>
          ${mine
            ? html`<button type="button" class="link" onClick=${() => {
                  setDraft(text);
                  setEditing(true);
                }}>${t("chat.edit")}</button>
                <button type="button" class="link" onClick=${remove}>${t("chat.delete")}</button>`
            : null}
        </div>`
      : null}
  </li>`;
}

function PendingItem({ item, channelId }) {
  return html`<li class=${`message mine pending ${item.status}`}>
    <p class="content">${item.content}</p>
    ${item.status === "sending"
      ? html`<p class="small" role="status">${t("chat.sending")}</p>`
      : html`<p class="error" role="alert">${t("chat.not_sent")}</p>
          <div class="message-actions">
            <button type="button" onClick=${() => chat.retrySend(channelId, item.nonce)}>${t("chat.retry")}</button>
            <button type="button" class="secondary" onClick=${() => chat.discardPending(channelId, item.nonce)}>${t("chat.discard")}</button>
          </div>`}
  </li>`;
}

function formatSize(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

export function Composer({ channel, replyTo, onClearReply }) {
  const [text, setText] = useState("");
  const input = useRef(null);
  const [attach, attaching, attachError] = useAction(async (file) => {
    await chat.sendFile(channel.id, file, replyTo ? replyTo.id : null);
    onClearReply();
  });
  useEffect(() => {
    if (replyTo && input.current) input.current.focus();
  }, [replyTo]);
  const send = () => {
    const content = text.trim();
    if (!content) return;
    chat.sendMessage(channel.id, content, replyTo ? replyTo.id : null);
    setText("");
    onClearReply();
  };
  const locked = channel.encrypted && !store.state.privateKey;
  return html`<form class="composer" onSubmit=${(e) => {
      e.preventDefault();
      send();
    }}>
    ${replyTo
      ? html`<div class="replying">
          <span>${t("chat.replying_to", { name: chat.userName(replyTo.author_id) })}</span>
          <button type="button" class="link" onClick=${onClearReply}>${t("common.cancel")}</button>
        </div>`
      : null}
    <label class="sr-only" for="composer-input">${t("chat.message_label")}</label>
    <textarea
      id="composer-input"
      ref=${input}
      rows="2"
      value=${text}
      disabled=${locked}
      placeholder=${locked ? t("e2e.unlock_to_write") : t("chat.message_placeholder")}
      onInput=${(e) => {
        setText(e.currentTarget.value);
        chat.typing(channel.id);
      }}
      onKeyDown=${(e) => {
        if (e.key === "Enter" && !e.shiftKey) {
          e.preventDefault();
          send();
        }
      }}
    ></textarea>
    <button type="submit" disabled=${locked}>${t("chat.send")}</button>
    ${channel.encrypted
      ? null
      : html`<div class="attach">
          <label for="composer-file">${attaching ? t("chat.uploading") : t("chat.attach")}</label>
          <input id="composer-file" type="file" disabled=${attaching} onChange=${(e) => {
              const file = e.currentTarget.files[0];
              e.currentTarget.value = "";
              if (file) attach(file);
            }} />
          <${ErrorLine} error=${attachError} />
        </div>`}
  </form>`;
}
