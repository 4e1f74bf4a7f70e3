import { useEffect, useRef, useSyncExternalStore } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries {
  label: string;
  /** A colour, or a token of dashboard.css (`var(--chart-blue)`) to follow the scheme. */
  color: string;
  /** One value per x; null where there is nothing to draw (a gap). */
  values: (number | null)[];
  /**
   * Mostly gaps (latency, error rate: only where there was traffic): draw each value as a
   * dot too, so a lone busy second is visible and not a line of zero length.
   */
  sparse?: boolean;
}

export interface TimeChartProps {
  /** The chart's title, also its accessible name. */
  title: string;
  /** Epoch seconds, oldest first. */
  x: number[];
  series: ChartSeries[];
  /** Formats a y value for the axis and the legend ("12 ms", "3.5 %"). */
  format: (value: number) => string;
  /** Smallest y range drawn, so a quiet period does not magnify noise (default 1). */
  minMax?: number;
}

const HEIGHT = 190;
const PHONE_HEIGHT = 160;

function heightFor(width: number): number {
  return width < 480 ? PHONE_HEIGHT : HEIGHT;
}

const DARK = '(prefers-color-scheme: dark)';

/** Whether the dark scheme is on now: the canvas is drawn again when it changes. */
function useDarkScheme(): boolean {
  return useSyncExternalStore(
    (changed) => {
      const query = window.matchMedia(DARK);
      query.addEventListener('change', changed);
      return () => query.removeEventListener('change', changed);
    },
    () => window.matchMedia(DARK).matches,
  );
}

/**
 * A colour for the canvas, which knows no CSS variables: `var(--name)` read from the
 * stylesheet's tokens as they are in the scheme now; any other colour as it is.
 */
function resolveColor(el: Element, color: string): string {
  const token = /^var\((--[\w-]+)\)$/.exec(color)?.[1];
  if (token === undefined) return color;
  return getComputedStyle(el).getPropertyValue(token).trim() || 'currentColor';
}

/** What a screen reader hears instead of the canvas: the latest and highest values. */
function describe(title: string, series: ChartSeries[], format: (v: number) => string): string {
  const parts = series.map((s) => {
    const present = s.values.filter((v): v is number => v !== null);
    const latest = present.at(-1);
    const peak = present.length > 0 ? Math.max(...present) : undefined;
    return latest === undefined || peak === undefined
      ? `${s.label}: no data`
      : `${s.label}: latest ${format(latest)}, peak ${format(peak)}`;
  });
  return `${title}. ${parts.join('; ')}.`;
}

/**
 * A live time-series chart drawn by uPlot on a canvas. The plot is made once per set of
 * series and fed new data in place (no flicker at each poll); it follows its
 * container's width, so it fits a phone and a laptop alike.
 */
export function TimeChart({ title, x, series, format, minMax = 1 }: TimeChartProps) {
  const holder = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const formatRef = useRef(format);
  formatRef.current = format;
  const shape = series.map((s) => `${s.label}:${s.color}:${s.sparse ?? false}`).join('|');
  const data: uPlot.AlignedData = [x, ...series.map((s) => s.values)];
  const dataRef = useRef(data);
  dataRef.current = data;
  const dark = useDarkScheme();

  useEffect(() => {
    const el = holder.current;
    if (!el) return;
    const width = Math.max(el.clientWidth, 200);
    const fmt = (v: number | null | undefined) =>
      v === null || v === undefined ? '–' : formatRef.current(v);
    const ink = (color: string) => resolveColor(el, color);
    // The axes' words and lines in the scheme's colours (grey on white was unreadable on
    // the dark scheme's card).
    const axis = {
      stroke: ink('var(--chart-axis)'),
      grid: { stroke: ink('var(--chart-grid)') },
      ticks: { stroke: ink('var(--chart-tick)') },
    };
    const options: uPlot.Options = {
      width,
      height: heightFor(width),
      legend: { live: true },
      cursor: { drag: { x: false, y: false } },
      scales: {
        x: { time: true },
        y: {
          range: (_u, min, max) => [Math.min(0, min), Math.max(max, minMax)],
        },
      },
      axes: [
        axis,
        {
          ...axis,
          size: 64,
          values: (_u, splits) => splits.map((v) => fmt(v)),
        },
      ],
      series: [
        { label: 'Time' },
        ...series.map((s): uPlot.Series => ({
          label: s.label,
          stroke: ink(s.color),
          width: 2,
          points: s.sparse ? { show: true, size: 5, fill: ink(s.color) } : { show: false },
          value: (_u, v) => fmt(v),
        })),
      ],
    };
    const u = new uPlot(options, dataRef.current, el);
    plot.current = u;
    // Resized in the next frame, not inside the observer's callback: changing the size
    // there would make the browser report a "ResizeObserver loop" error.
    let frame = 0;
    const resize = new ResizeObserver(() => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => {
        const w = Math.max(el.clientWidth, 200);
        if (w !== u.width) u.setSize({ width: w, height: heightFor(w) });
      });
    });
    resize.observe(el);
    return () => {
      cancelAnimationFrame(frame);
      resize.disconnect();
      u.destroy();
      plot.current = null;
    };
    // The plot is rebuilt only when the set of series (or the scheme) changes; data
    // flows in below.
  }, [shape, minMax, dark]);

  useEffect(() => {
    plot.current?.setData(data);
  });

  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <div
        ref={holder}
        className="chart-plot"
        role="img"
        aria-label={describe(title, series, format)}
      />
    </figure>
  );
}
