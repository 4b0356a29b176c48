// One catalogue per language; the language comes from the browser and can be switched.
import en from "./i18n/en.js";
import ru from "./i18n/ru.js";

export const LANGUAGES = { en: "English", ru: "Русский" };
const CATALOGUES = { en, ru };
const KEY = "parley.lang";

function pick() {
  const saved = localStorage.getItem(KEY);
  if (saved && CATALOGUES[saved]) return saved;
  for (const tag of navigator.languages || [navigator.language || "en"]) {
    const base = String(tag).slice(0, 2).toLowerCase();
    if (CATALOGUES[base]) return base;
  }
  return "en";
}

let lang = pick();
document.documentElement.lang = lang;
const listeners = new Set();

export function currentLang() {
  return lang;
}

export function setLang(next) {
  if (!CATALOGUES[next]) return;
  lang = next;
  localStorage.setItem(KEY, next);
  document.documentElement.lang = next;
  for (const fn of listeners) fn(next);
}

export function onLangChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** The string for `key` with `{name}` placeholders filled in; English when missing. */
export function t(key, params) {
  let text = CATALOGUES[lang][key] ?? en[key] ?? key;
  if (typeof text === "function") text = text(params || {});
  if (params) text = text.replace(/\{(\w+)\}/g, (_, name) => String(params[name] ?? ""));
  return text;
}

/** An API error as a sentence for a person: the catalogue's, else the server's message. */
export function errorText(err) {
  if (!err) return "";
  const key = `error.${err.code}`;
  const known = CATALOGUES[lang][key] ?? en[key];
  if (known) return t(key, err.data || {});
  return err.message || t("error.unknown");
}

export function formatTime(iso) {
  const date = new Date(iso);
  return date.toLocaleTimeString(lang, { hour: "2-digit", minute: "2-digit" });
}

export function formatDateTime(iso) {
  if (!iso) return "";
  return new Date(iso).toLocaleString(lang, { dateStyle: "medium", timeStyle: "short" });
}
