// A daily line chart (uPlot), sized to its container.
import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

const PALETTE = ["#2563eb", "#16a34a", "#dc2626", "#9333ea", "#ea580c", "#0891b2", "#ca8a04", "#db2777"];

/** `days`: ["2026-11-01", ...]; `series`: [{label, values: [..per day]}]; `format`: y-axis values. */
export function DailyChart({ title, days, series, format }) {
  const box = useRef(null);
  useEffect(() => {
    if (!box.current || !days.length || !series.length) return undefined;
    const xs = days.map((d) => Date.parse(`${d}T12:00:00Z`) / 1000);
    const opts = {
      width: box.current.clientWidth || 600,
      height: 220,
      scales: { x: { time: true } },
      axes: [{}, { values: (_, ticks) => ticks.map(format), size: 70 }],
      series: [
        {},
        ...series.map((s, i) => ({
          label: s.label,
          stroke: PALETTE[i % PALETTE.length],
          width: 2,
          points: { show: true },
          value: (_, v) => (v == null ? "" : format(v)),
        })),
      ],
    };
    const plot = new uPlot(opts, [xs, ...series.map((s) => s.values)], box.current);
    const resize = new ResizeObserver(() => plot.setSize({ width: box.current.clientWidth, height: 220 }));
    resize.observe(box.current);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [days, series]);
  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      {days.length && series.length ? <div ref={box} /> : <p class="empty">No usage in this range yet.</p>}
    </figure>
  );
}
