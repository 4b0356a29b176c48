// Live figures, refreshed every few seconds: sessions live, sockets connected, sends/s.
import { html, useEffect, useState } from "../../../vendor/preact-htm.js";
import { api } from "../../api.js";
import { formatTime, t } from "../../i18n.js";
import { ErrorLine } from "../../ui.js";

const REFRESH_MS = 5000;

export function FiguresSection() {
  const [figures, setFigures] = useState(null);
  const [at, setAt] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    let stopped = false;
    const tick = async () => {
      try {
        const next = await api.admin.figures();
        if (stopped) return;
        setFigures(next);
        setAt(new Date().toISOString());
        setError(null);
      } catch (err) {
        if (!stopped) setError(err);
      }
    };
    tick();
    const timer = setInterval(tick, REFRESH_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, []);
  const figure = (label, value, name) =>
    html`<div class="figure"><dt>${label}</dt><dd data-figure=${name}>${value}</dd></div>`;
  return html`<section class="card" aria-labelledby="admin-figures-title">
    <h2 id="admin-figures-title">${t("admin.figures")}</h2>
    <${ErrorLine} error=${error} />
    ${figures
      ? html`<dl class="figures" aria-live="polite">
          ${figure(t("admin.live_sessions"), figures.live_sessions, "sessions")}
          ${figure(t("admin.sockets"), figures.sockets, "sockets")}
          ${figure(t("admin.sends_per_second"), figures.sends_per_second, "sends")}
        </dl>
        <p class="small">${t("admin.figures_note", { time: formatTime(at) })}</p>`
      : html`<p>${t("common.loading")}</p>`}
  </section>`;
}
