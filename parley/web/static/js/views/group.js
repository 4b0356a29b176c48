// Groups: create one from friends; rename, add and remove members (owner), leave.
import { html, useEffect, useState } from "../../vendor/preact-htm.js";
import { api, currentAuth } from "../api.js";
import { addMember, createGroup, loadFriends } from "../chat.js";
import { t } from "../i18n.js";
import { useStore } from "../store.js";
import { ErrorLine, Field, navigate, useAction } from "../ui.js";

export function NewGroup({ onDone }) {
  const state = useStore();
  const [name, setName] = useState("");
  const [picked, setPicked] = useState(new Set());
  const [encrypted, setEncrypted] = useState(false);
  useEffect(() => {
    loadFriends().catch(() => {});
  }, []);
  const toggle = (id) => {
    const next = new Set(picked);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setPicked(next);
  };
  const [run, busy, error] = useAction(async () => {
    const channel = await createGroup(name.trim(), [...picked], encrypted);
    onDone();
    navigate(`/chat/${channel.id}`);
  });
  return html`<form class="card inset" onSubmit=${(e) => {
      e.preventDefault();
      run();
    }} aria-label=${t("group.new")}>
    <${Field} label=${t("group.name")} value=${name} onInput=${setName} maxlength="100" required />
    <fieldset>
      <legend>${t("group.pick_friends")}</legend>
      ${state.friends.length === 0 ? html`<p class="small">${t("friends.none")}</p>` : null}
      ${state.friends.map(
        (f) => html`<label class="check" key=${f.user.id}>
          <input type="checkbox" checked=${picked.has(f.user.id)} onChange=${() => toggle(f.user.id)} />
          ${f.user.display_name || f.user.username}
        </label>`,
      )}
    </fieldset>
    ${state.privateKey
      ? html`<label class="check">
          <input type="checkbox" checked=${encrypted} onChange=${(e) => setEncrypted(e.currentTarget.checked)} />
          ${t("group.encrypted")}
        </label>`
      : null}
    <${ErrorLine} error=${error} />
    <button type="submit" disabled=${busy}>${t("group.create")}</button>
  </form>`;
}

export function GroupPanel({ channel }) {
  const state = useStore();
  const me = currentAuth()?.user?.id;
  const owner = channel.owner_id === me;
  const [members, setMembers] = useState([]);
  const [name, setName] = useState(channel.name || "");
  const [adding, setAdding] = useState("");
  const reload = async () => setMembers(await api.members(channel.id));
  useEffect(() => {
    reload();
    loadFriends().catch(() => {});
  }, [channel.id, channel.member_count]);
  const [rename, renaming, renameError] = useAction(() => api.renameChannel(channel.id, name.trim()));
  const [act, , actError] = useAction(async (fn) => {
    await fn();
    await reload();
  });
  const [leave, leaving, leaveError] = useAction(async () => {
    await api.removeMember(channel.id, me);
    navigate("/chat");
  });
  const memberIds = new Set(members.map((m) => m.user.id));
  const candidates = state.friends.filter((f) => !memberIds.has(f.user.id));
  return html`<section class="card inset" aria-label=${t("group.settings")}>
    ${owner
      ? html`<form class="row" onSubmit=${(e) => {
          e.preventDefault();
          rename();
        }}>
          <${Field} label=${t("group.name")} value=${name} onInput=${setName} maxlength="100" required />
          <button type="submit" disabled=${renaming}>${t("group.rename")}</button>
        </form>`
      : null}
    <${ErrorLine} error=${renameError || actError || leaveError} />
    <h2>${t("group.members")}</h2>
    <ul class="people">
      ${members.map(
        (m) => html`<li key=${m.user.id}>
          <span>${m.user.display_name || m.user.username}${m.user.id === channel.owner_id ? ` (${t("group.owner")})` : ""}</span>
          ${owner && m.user.id !== me
            ? html`<button type="button" class="secondary"
                aria-label=${t("group.remove_named", { name: m.user.username })}
                onClick=${() => act(() => api.removeMember(channel.id, m.user.id))}>${t("group.remove")}</button>`
            : null}
        </li>`,
      )}
    </ul>
    ${owner && candidates.length
      ? html`<form class="row" onSubmit=${(e) => {
          e.preventDefault();
          if (adding) act(() => addMember(channel.id, Number(adding)));
        }}>
          <label for="add-member">${t("group.add")}</label>
          <select id="add-member" value=${adding} onChange=${(e) => setAdding(e.currentTarget.value)}>
            <option value="">—</option>
            ${candidates.map((f) => html`<option value=${f.user.id}>${f.user.display_name || f.user.username}</option>`)}
          </select>
          <button type="submit">${t("group.add_button")}</button>
        </form>`
      : null}
    <button type="button" class="danger" onClick=${leave} disabled=${leaving}>${t("group.leave")}</button>
  </section>`;
}
