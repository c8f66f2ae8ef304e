'use client';

import type { ContractHealth } from '@floe/api';
import {
  Bar,
  BarChart,
  CartesianGrid,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
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
    <figure
      className="h-56 rounded-xl border border-slate-800 p-4"
      aria-label="Daily compliance, last 30 days"
    >
      <ResponsiveContainer>
        <BarChart data={data}>
          <CartesianGrid stroke="#1e293b" vertical={false} />
          <XAxis dataKey="day" stroke="#64748b" fontSize={12} />
          <YAxis
            stroke="#64748b"
            fontSize={12}
            unit="%"
            domain={[Math.max(0, Math.floor(lowest) - 1), 100]}
          />
          <Tooltip
            contentStyle={{ background: '#0f172a', border: '1px solid #334155' }}
            formatter={(value, _name, item) => [
              `${Number(value).toFixed(2)}%, at worst ${freshnessText(item.payload.worst)} behind`,
              'within the promise',
            ]}
          />
          <ReferenceLine y={targetPercent} stroke="#f59e0b" strokeDasharray="4 4" />
          <Bar dataKey="compliance" fill="#38bdf8" isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </figure>
  );
}
