// The dashboard's chart: succeeded and failed payments per bucket, drawn by uPlot (about 20 KB
// gzipped, canvas-based). Loaded on its own, after the figures: only the console ever downloads it.
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartPoint {
  at: string;
  succeeded: number;
  failed: number;
}

const HEIGHT = 220;
// The stylesheet's success and error colours (WCAG AA on white).
const SUCCEEDED = '#067647';
const FAILED = '#b42318';

function options(width: number, bucketSeconds: number): uPlot.Options {
  const dayOrMore = bucketSeconds >= 86_400;
  return {
    width,
    height: HEIGHT,
    scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
    series: [
      { value: (_u, v) => (v == null ? '—' : new Date(v * 1000).toLocaleString()) },
      { label: 'Succeeded', stroke: SUCCEEDED, fill: 'rgba(6, 118, 71, 0.08)', width: 2 },
      { label: 'Failed', stroke: FAILED, width: 2, dash: [6, 4] },
    ],
    axes: [
      dayOrMore
        ? { values: (_u, ticks) => ticks.map((t) => new Date(t * 1000).toLocaleDateString()) }
        : {},
      {
        label: 'Payments',
        size: 50,
        incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000, 10_000],
      },
    ],
    cursor: { drag: { x: false, y: false } },
  };
}

/** Succeeded and failed payments over time; the figures themselves are also given as a table. */
export default function PaymentsChart({
  points,
  bucketSeconds,
}: {
  points: ChartPoint[];
  bucketSeconds: number;
}) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const data: uPlot.AlignedData = [
      points.map((p) => Date.parse(p.at) / 1000),
      points.map((p) => p.succeeded),
      points.map((p) => p.failed),
    ];
    const chart = new uPlot(options(element.clientWidth || 320, bucketSeconds), data, element);
    // Follows its box's width: a phone, a resized window.
    const resize = new ResizeObserver(() =>
      chart.setSize({ width: element.clientWidth || 320, height: HEIGHT }),
    );
    resize.observe(element);
    return () => {
      resize.disconnect();
      chart.destroy();
    };
  }, [points, bucketSeconds]);
  return <div ref={box} className="dashboard-chart" data-testid="payments-chart" />;
}
