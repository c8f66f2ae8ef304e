import { freshnessBadgeSvg } from '@floe/contracts';
import { loadSharedContract, notFoundResponse } from '../../../../src/shared-contract';

export async function GET(_req: Request, { params }: { params: Promise<{ token: string }> }) {
  const shared = await loadSharedContract((await params).token);
  if (!shared) return notFoundResponse();
  const svg = freshnessBadgeSvg(shared.freshness?.seconds ?? null, shared.contract.slo.freshnessMinutes);
  // README renderers cache images: ask them not to.
  return new Response(svg, {
    headers: { 'Content-Type': 'image/svg+xml', 'Cache-Control': 'no-cache, max-age=0' },
  });
}
