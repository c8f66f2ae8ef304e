'use client';

import type { ContractHealth } from '@floe/api';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { axisLabel, legendStyle, tooltipStyle } from './chart-style';
import { freshnessText } from './contract-health';

const day = (ms: number) => new Date(ms).toISOString().slice(5, 10);

/** Share of each day's minutes within the promise, with the target as a line; empty days have no bar. */
export function ComplianceChart({
  daily,
  targetPercent,
}: {
  daily: ContractHealth['daily'];
  targetPercent: number;
}) {
  const data = daily.map((d) => ({
    day: day(d.dayStartMs),
    compliance: d.compliancePercent,
    worst: d.worstSeconds,
  }));
  const lowest = Math.min(
    targetPercent,
    ...daily.flatMap((d) => (d.compliancePercent === null ? [] : [d.compliancePercent])),
  );
  return (
    <figure className="rounded-xl border border-slate-800 p-4" aria-label="Daily compliance, last 30 days">
      <figcaption className="mb-2 text-sm text-slate-300">
        Share of each day's minutes within the promise (bars) against the {targetPercent}% target (dashed
        line), by day in UTC
      </figcaption>
      <div className="h-64">
        <ResponsiveContainer>
          <BarChart data={data} margin={{ top: 4, right: 16, bottom: 16, left: 16 }}>
            <CartesianGrid stroke="#1e293b" vertical={false} />
            <XAxis dataKey="day" stroke="#64748b" fontSize={12} label={axisLabel('Day (UTC)')} />
            <YAxis
              stroke="#64748b"
              fontSize={12}
              unit="%"
              domain={[Math.max(0, Math.floor(lowest) - 1), 100]}
              label={axisLabel('Minutes within (%)', -90)}
            />
            <Tooltip
              contentStyle={tooltipStyle}
              labelFormatter={(l) => `${l} (UTC)`}
              formatter={(value, _name, item) => [
                `${Number(value).toFixed(2)}%, at worst ${freshnessText(item.payload.worst)} behind`,
                'within the promise',
              ]}
            />
            <Legend verticalAlign="bottom" wrapperStyle={legendStyle} />
            <ReferenceLine
              y={targetPercent}
              stroke="#f59e0b"
              strokeDasharray="4 4"
              label={{
                value: `target ${targetPercent}%`,
                position: 'insideTopRight',
                fill: '#f59e0b',
                fontSize: 12,
              }}
            />
            <Bar
              dataKey="compliance"
              name="Minutes within the promise"
              fill="#38bdf8"
              isAnimationActive={false}
            />
          </BarChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
}
