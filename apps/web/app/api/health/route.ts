import { serverCaller } from '../../../src/server';

export const dynamic = 'force-dynamic';

export async function GET() {
  const health = await (await serverCaller()).health();
  return Response.json(
    { status: health.database === 'up' ? 'ok' : 'degraded', ...health },
    {
      status: health.database === 'up' ? 200 : 503,
    },
  );
}
