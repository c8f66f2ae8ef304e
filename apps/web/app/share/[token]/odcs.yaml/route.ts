import { toOdcsYaml } from '@floe/contracts';
import { loadSharedContract, notFoundResponse, PUBLIC_HEADERS } from '../../../../src/shared-contract';

export async function GET(_req: Request, { params }: { params: Promise<{ token: string }> }) {
  const shared = await loadSharedContract((await params).token);
  if (!shared) return notFoundResponse();
  return new Response(toOdcsYaml(shared.contract, shared.table), {
    headers: { ...PUBLIC_HEADERS, 'Content-Type': 'application/yaml; charset=utf-8' },
  });
}
