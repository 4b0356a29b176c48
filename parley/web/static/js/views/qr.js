// QR sign-in both ways: the desktop shows a code (renewed on expiry) and signs in once a
// signed-in phone approves; the phone's approval page shows who is asking.
import { html, useEffect, useRef, useState } from "../../vendor/preact-htm.js";
import { api, deviceId } from "../api.js";
import { t } from "../i18n.js";
import { ErrorLine, Field, Notice, navigate, query, useAction } from "../ui.js";

export function QrSignIn({ onSignedIn }) {
  const [ticket, setTicket] = useState(null);
  const [left, setLeft] = useState(0);
  const [codeFor, setCodeFor] = useState(null);
  const [status, setStatus] = useState("waiting");
  const [generation, setGeneration] = useState(0);
  const ticketRef = useRef(null);

  useEffect(() => {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const url = `${scheme}//${location.host}/v1/qr/login?device_id=${encodeURIComponent(deviceId())}`;
    const socket = new WebSocket(url);
    let finished = false;
    let deadline = 0;
    const beat = setInterval(() => {
      if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ op: "heartbeat" }));
    }, 30_000);
    const tick = setInterval(() => setLeft(Math.max(0, Math.round((deadline - Date.now()) / 1000))), 1000);
    socket.onmessage = async (event) => {
      const frame = JSON.parse(event.data);
      if (frame.op === "ticket") {
        ticketRef.current = frame;
        deadline = Date.now() + frame.expires_in * 1000;
        setLeft(frame.expires_in);
        setTicket(frame);
        setCodeFor(null);
        setStatus("waiting");
      } else if (frame.op === "code_required") {
        setCodeFor(frame.sent_to || "");
      } else if (frame.op === "approved") {
        finished = true;
        setStatus("signing_in");
        try {
          onSignedIn(await api.qrExchange(ticketRef.current.ticket, frame.exchange_code));
        } catch {
          setStatus("failed");
        }
      } else if (frame.op === "failed" || frame.op === "denied") {
        finished = true;
        setStatus(frame.op);
      } else if (frame.op === "expired") {
        finished = true;
        setGeneration((g) => g + 1); // a fresh code
      }
    };
    socket.onclose = () => {
      if (!finished) setTimeout(() => setGeneration((g) => g + 1), 2000);
    };
    return () => {
      finished = true;
      clearInterval(beat);
      clearInterval(tick);
      socket.onclose = null;
      socket.close();
    };
  }, [generation]);

  return html`<section class="card qr" aria-labelledby="qr-title">
    <h2 id="qr-title">${t("qr.title")}</h2>
    <p>${t("qr.instructions")}</p>
    ${ticket
      ? html`<img class="qr-image" src=${ticket.qr_svg} alt=${t("qr.image_alt")} width="200" height="200" />
          <p>${t("qr.check_code")}: <strong class="check-code">${ticket.check_code}</strong></p>
          <p role="timer" aria-live="off">${t("qr.expires_in", { seconds: left })}</p>
          <p class="small">
            ${t("qr.or_open")} <a class="qr-link" href=${ticket.url}>${ticket.url}</a>
          </p>`
      : html`<p>${t("common.loading")}</p>`}
    ${status === "failed" || status === "denied"
      ? html`<p class="error" role="alert">${t(`qr.${status}`)}</p>
          <button type="button" onClick=${() => setGeneration((g) => g + 1)}>${t("qr.new_code")}</button>`
      : null}
    ${status === "signing_in" ? html`<${Notice}>${t("qr.signing_in")}<//>` : null}
    ${codeFor !== null && status === "waiting"
      ? html`<${QrCodeForm} ticket=${ticket.ticket} sentTo=${codeFor} />`
      : null}
  </section>`;
}

function QrCodeForm({ ticket, sentTo }) {
  const [code, setCode] = useState("");
  const [run, busy, error] = useAction(() => api.qrConfirm(ticket, code.trim()));
  return html`<form
    onSubmit=${(e) => {
      e.preventDefault();
      run();
    }}
  >
    <p>${t("qr.code_required", { to: sentTo })}</p>
    <${Field}
      label=${t("auth.code")}
      value=${code}
      onInput=${setCode}
      inputmode="numeric"
      autocomplete="one-time-code"
      required
    />
    <${ErrorLine} error=${error} />
    <button type="submit" disabled=${busy}>${t("auth.verify")}</button>
  </form>`;
}

/** The page the QR code opens on the signed-in phone. */
export function QrApprovePage({ ticket }) {
  const check = query("c") || "";
  const [info, setInfo] = useState(null);
  const [outcome, setOutcome] = useState(null);
  const [load, , loadError] = useAction(async () => setInfo(await api.qrTicket(ticket)));
  useEffect(() => {
    load();
  }, [ticket]);
  const [approve, approving, approveError] = useAction(async () => {
    const result = await api.qrApprove(ticket, check);
    setOutcome(result);
  });
  const [deny, denying, denyError] = useAction(async () => {
    await api.qrDeny(ticket, check);
    navigate("/chat?qr=denied");
  });
  const [code, setCode] = useState("");
  const [confirm, confirming, confirmError] = useAction(async () => {
    setOutcome(await api.qrConfirm(ticket, code.trim()));
  });
  return html`<main class="page narrow" id="main">
    <section class="card" aria-labelledby="approve-title">
      <h1 id="approve-title">${t("qr.approve_title")}</h1>
      <${ErrorLine} error=${loadError} />
      ${info
        ? html`<dl class="facts">
            <dt>${t("security.address")}</dt><dd>${info.ip || "—"}</dd>
            <dt>${t("security.country")}</dt><dd>${info.country || "—"}</dd>
            <dt>${t("security.user_agent")}</dt><dd>${info.user_agent || "—"}</dd>
          </dl>`
        : null}
      ${outcome && outcome.status === "approved"
        ? html`<${Notice}>${t("qr.approved")}<//>`
        : outcome && outcome.status === "code_required"
          ? html`<form
              onSubmit=${(e) => {
                e.preventDefault();
                confirm();
              }}
            >
              <p>${t("qr.code_required", { to: outcome.sent_to || "" })}</p>
              <${Field}
                label=${t("auth.code")}
                value=${code}
                onInput=${setCode}
                inputmode="numeric"
                autocomplete="one-time-code"
                required
              />
              <${ErrorLine} error=${confirmError} />
              <button type="submit" disabled=${confirming}>${t("auth.verify")}</button>
            </form>`
          : info
            ? html`<p>${t("qr.approve_question")}</p>
                <${ErrorLine} error=${approveError || denyError} />
                <div class="actions">
                  <button type="button" onClick=${approve} disabled=${approving}>
                    ${t("qr.approve")}
                  </button>
                  <button type="button" class="secondary" onClick=${deny} disabled=${denying}>
                    ${t("qr.deny")}
                  </button>
                </div>`
            : null}
    </section>
  </main>`;
}
