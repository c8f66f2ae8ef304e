import { loadSharedContract, notFoundResponse, PUBLIC_HEADERS } from '../../../../src/shared-contract';

export async function GET(_req: Request, { params }: { params: Promise<{ token: string }> }) {
  const shared = await loadSharedContract((await params).token);
  if (!shared) return notFoundResponse();
  return Response.json(shared, { headers: PUBLIC_HEADERS });
}
