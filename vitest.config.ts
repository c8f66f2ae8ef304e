// `npm test` runs every workspace's tests in one vitest run from the root.
export { default } from './vitest.shared.ts';
