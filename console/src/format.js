// Money, numbers and times as a viewer expects them (times in the viewer's own zone).
const usdFine = new Intl.NumberFormat(undefined, { style: "currency", currency: "USD", minimumFractionDigits: 2, maximumFractionDigits: 6 });
const usdCoarse = new Intl.NumberFormat(undefined, { style: "currency", currency: "USD", minimumFractionDigits: 2, maximumFractionDigits: 2 });
const count = new Intl.NumberFormat();
const when = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });

/** Cents for sums of a dollar and more; sub-cent amounts keep up to 6 decimals. */
export function usd(value) {
  const n = Number(value || 0);
  return Math.abs(n) >= 1 || n === 0 ? usdCoarse.format(n) : usdFine.format(n);
}

export const num = (value) => count.format(Number(value || 0));

export function time(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : when.format(d);
}

export const ms = (value) => `${Number(value || 0).toFixed(value < 10 ? 1 : 0)} ms`;

/** UTC calendar day of a Date, as the usage aggregates name days. */
export const utcDay = (d) => d.toISOString().slice(0, 10);
