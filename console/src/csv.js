// Usage export: every row of a usage report as CSV, downloaded by the browser.
const COLUMNS = ["requests", "errors", "fallbacks", "prompt_tokens", "completion_tokens", "total_tokens", "cost", "reference_cost_usd"];

// Text cells a spreadsheet would read as a formula get a leading ' (CSV injection).
const cell = (v) => {
  if (v == null) return "";
  const s = typeof v === "string" && /^[=+\-@]/.test(v) ? `'${v}` : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export function usageCsv(by, rows) {
  const keyed = by !== "day";
  const head = ["day", ...(keyed ? [by] : []), ...COLUMNS];
  const lines = [head.join(",")];
  for (const r of rows) {
    lines.push([r.day, ...(keyed ? [r.value] : []), ...COLUMNS.map((c) => r.counts[c])].map(cell).join(","));
  }
  return lines.join("\r\n") + "\r\n";
}

export function download(name, text) {
  const url = URL.createObjectURL(new Blob([text], { type: "text/csv;charset=utf-8" }));
  const a = Object.assign(document.createElement("a"), { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
