// The admin console (admin role only): asks the server first, so anyone else sees a refusal
// and no section ever loads data for them.
import { html, useEffect, useState } from "../../../vendor/preact-htm.js";
import { api, currentAuth } from "../../api.js";
import { t } from "../../i18n.js";
import { ErrorLine, Link } from "../../ui.js";
import { AppsSection } from "./apps.js";
import { AuditSection } from "./audit.js";
import { FiguresSection } from "./figures.js";
import { RolesSection } from "./roles.js";
import { UserDetail, UsersSection } from "./users.js";

const SECTIONS = [
  ["users", "admin.users"],
  ["apps", "admin.apps"],
  ["roles", "admin.roles"],
  ["audit", "admin.audit"],
  ["figures", "admin.figures"],
];

let answer = { session: null, allowed: null }; // GET /admin/me, once per sign-in session

/** Whether the signed-in person may see the console (asked once per session). */
export async function isAdmin() {
  const session = currentAuth() && currentAuth().session_id;
  if (answer.session !== session || answer.allowed === null) {
    let allowed;
    try {
      await api.admin.me();
      allowed = true;
    } catch (err) {
      if (err.status !== 403) throw err;
      allowed = false;
    }
    answer = { session, allowed };
  }
  return answer.allowed;
}

function Section({ section, userId }) {
  if (section === "users" && userId) return html`<${UserDetail} userId=${userId} />`;
  if (section === "apps") return html`<${AppsSection} />`;
  if (section === "roles") return html`<${RolesSection} />`;
  if (section === "audit") return html`<${AuditSection} />`;
  if (section === "figures") return html`<${FiguresSection} />`;
  return html`<${UsersSection} />`;
}

export function AdminPage({ section = "users", userId }) {
  const [state, setState] = useState("checking");
  const [error, setError] = useState(null);
  useEffect(() => {
    isAdmin().then(
      (ok) => setState(ok ? "admin" : "refused"),
      (err) => {
        setError(err);
        setState("failed");
      },
    );
  }, []);
  if (state === "checking") return html`<main class="page" id="main"><p>${t("common.loading")}</p></main>`;
  if (state !== "admin") {
    return html`<main class="page" id="main">
      <h1>${t("admin.title")}</h1>
      ${state === "refused"
        ? html`<p class="error admin-refused" role="alert">${t("admin.refused")}</p>`
        : html`<${ErrorLine} error=${error} />`}
    </main>`;
  }
  return html`<main class="page admin" id="main">
    <h1>${t("admin.title")}</h1>
    <nav aria-label=${t("admin.sections")}>
      <ul class="tabs">
        ${SECTIONS.map(
          ([name, label]) => html`<li><${Link} href=${`/admin/${name}`}
            aria-current=${name === section ? "page" : undefined}>${t(label)}<//></li>`,
        )}
      </ul>
    </nav>
    <${Section} section=${section} userId=${userId} />
  </main>`;
}
