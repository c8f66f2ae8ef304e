// What every chart of the control plane shares: axis titles, tooltip and legend looks.

/** An axis title: under the x axis, or turned along a y axis (negative angle: the left one). */
export const axisLabel = (value: string, angle = 0) =>
  angle === 0
    ? { value, position: 'insideBottom' as const, offset: -12, fill: '#94a3b8', fontSize: 12 }
    : {
        value,
        angle,
        position: angle < 0 ? ('insideLeft' as const) : ('insideRight' as const),
        fill: '#94a3b8',
        fontSize: 12,
        style: { textAnchor: 'middle' as const },
      };
export const tooltipStyle = { background: '#0f172a', border: '1px solid #334155' };
export const legendStyle = { fontSize: 12, paddingTop: 16 };
