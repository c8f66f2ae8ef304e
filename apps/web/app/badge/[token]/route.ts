import { sharedBadge } from '@floe/api';
import { freshnessBadgeSvg } from '@floe/contracts';
import { db } from '@floe/db';
import { notFoundResponse, TOKEN_SHAPE } from '../../../src/shared-contract';

/** The freshness badge of a badge link: this token opens nothing else (the share page has its own). */
export async function GET(_req: Request, { params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const badge = TOKEN_SHAPE.test(token) ? await sharedBadge(db(), token) : null;
  if (!badge) return notFoundResponse();
  const svg = freshnessBadgeSvg(badge.freshnessSeconds, badge.sloMinutes);
  // README renderers cache images: ask them not to.
  return new Response(svg, {
    headers: {
      'Content-Type': 'image/svg+xml',
      'Cache-Control': 'no-cache, max-age=0',
      'X-Robots-Tag': 'noindex',
    },
  });
}
