import type { PlanPoint, PlanResult } from '../plan/types.js';

/**
 * A capacity sweep split into series: one per shard count and injected latency, each sorted by
 * offered rate. Charts draw a line per series; tables name the latency setting the same way.
 */
export interface PlanSeries {
  shards: number;
  latencyMs: number | null;
  label: string;
  points: PlanPoint[];
}

/** An injected latency setting: "20 ms injected", or the scenario's own model when null. */
export function latencySettingLabel(latencyMs: number | null): string {
  return latencyMs === null ? 'scenario latency' : `${latencyMs} ms injected`;
}

function shardsLabel(shards: number): string {
  return `${shards} shard${shards === 1 ? '' : 's'}`;
}

function compareLatency(a: number | null, b: number | null): number {
  return (a ?? -1) - (b ?? -1);
}

export function planSeries(plan: PlanResult): PlanSeries[] {
  const latencySettings = new Set(plan.points.map((point) => point.latencyMs));
  const byKey = new Map<string, PlanSeries>();
  for (const point of plan.points) {
    const key = `${point.shards}/${point.latencyMs}`;
    let series = byKey.get(key);
    if (!series) {
      const label =
        latencySettings.size > 1
          ? `${shardsLabel(point.shards)}, ${latencySettingLabel(point.latencyMs)}`
          : shardsLabel(point.shards);
      series = { shards: point.shards, latencyMs: point.latencyMs, label, points: [] };
      byKey.set(key, series);
    }
    series.points.push(point);
  }
  const all = [...byKey.values()];
  for (const series of all) series.points.sort((a, b) => a.ratePerSecond - b.ratePerSecond);
  return all.sort((a, b) => a.shards - b.shards || compareLatency(a.latencyMs, b.latencyMs));
}
