import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

// `npm run test:infra`: the Helm chart and Terraform module checks. Their tools take minutes to build
// (infra/tools/install.mjs), so these tests are named *.infra-test.ts, which `npm test` leaves out.
export default defineConfig({
  test: {
    root: join(import.meta.dirname, '../..'),
    include: ['infra/**/*.infra-test.ts'],
    testTimeout: 60_000,
  },
});
