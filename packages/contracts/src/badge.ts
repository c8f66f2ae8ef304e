/** A shields-style SVG status badge: "freshness | 3 min" in green, amber or red. */
export function freshnessBadgeSvg(freshnessSeconds: number | null, sloMinutes: number): string {
  const label = 'freshness';
  let value = 'no data';
  let color = '#9f9f9f';
  if (freshnessSeconds !== null) {
    const minutes = freshnessSeconds / 60;
    value = !Number.isFinite(minutes) ? 'stale' : minutes < 1 ? '< 1 min' : `${Math.round(minutes)} min`;
    color = minutes <= sloMinutes ? '#3fb950' : minutes <= 2 * sloMinutes ? '#d29922' : '#f85149';
  }
  // ~6.5 px per character of Verdana 11: close enough for a badge.
  const width = (text: string) => Math.round(text.length * 6.5 + 12);
  const [lw, vw] = [width(label), width(value)];
  const escapeXml = (s: string) => s.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${lw + vw}" height="20" role="img" aria-label="${label}: ${escapeXml(value)}">
<title>${label}: ${escapeXml(value)}</title>
<rect width="${lw}" height="20" fill="#555"/><rect x="${lw}" width="${vw}" height="20" fill="${color}"/>
<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">
<text x="${lw / 2}" y="14">${label}</text><text x="${lw + vw / 2}" y="14">${escapeXml(value)}</text>
</g></svg>`;
}
