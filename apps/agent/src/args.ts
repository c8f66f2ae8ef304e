// Command-line parsing for floe-agent: small on purpose, with messages that name the flag.
import { API_TOKEN_PREFIX, INSTALL_TOKEN_PREFIX } from '@floe/protocol';
import { type AgentEnv, agentEnv } from './config';

export const USAGE = `floe-agent — the Floe data-plane agent (runs in your account, pulls its work)

Usage:
  floe-agent start --control-plane <url> --token <install or API token> --policy <policy.yaml> [--metrics-port <port>]
  floe-agent run --pipeline <spec.yaml> [--policy <policy.yaml> | --permissive] [--metrics-port <port>]
  floe-agent doctor [--control-plane <url>]
  floe-agent --version | --help

Environment: FLOE_TOKEN (instead of --token), FLOE_CONTROL_PLANE (instead of --control-plane),
FLOE_AGENT_POLICY (instead of --policy), FLOE_AGENT_STATE_DIR (where credentials are kept;
default ~/.floe-agent).

--policy: what this agent may reach, whatever the control plane asks: Kafka brokers, schema
registries, catalogs, S3 endpoints, buckets and prefixes, Glue catalogs, roles, and which secret
references it may resolve. Anything not in it is refused; with no policy, everything is.

run: runs one pipeline from a spec file with no control plane (to try Floe on your own Kafka);
--permissive lets it reach anything its spec names (on your own machine only);
/metrics (Prometheus) on --metrics-port (default 9464; 0 picks a free port).

start: /metrics (Prometheus, per-pipeline lag for autoscaling) and /healthz only when --metrics-port is given.`;

export type Command =
  | { command: 'help' }
  | { command: 'version' }
  | { command: 'start'; controlPlane: URL; token: string; policyFile?: string; metricsPort?: number }
  | { command: 'doctor'; controlPlane: URL | undefined }
  | { command: 'run'; pipeline: string; metricsPort: number; policyFile?: string; permissive?: true };

export class UsageError extends Error {}

/** Flags that take no value. */
const SWITCHES = new Set(['permissive']);

function flags(args: string[]): Map<string, string> {
  const found = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument ${JSON.stringify(arg)}`);
    const [name, inline] = arg.slice(2).split('=', 2) as [string, string | undefined];
    if (SWITCHES.has(name)) {
      if (inline !== undefined) throw new UsageError(`--${name} takes no value`);
      found.set(name, 'true');
      continue;
    }
    const value = inline ?? args[++i];
    if (value === undefined || value.startsWith('--')) throw new UsageError(`--${name} needs a value`);
    found.set(name, value);
  }
  return found;
}

function url(value: string, flag: string): URL {
  try {
    const parsed = new URL(value);
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new Error();
    return parsed;
  } catch {
    throw new UsageError(`--${flag} must be an http(s) URL, got ${JSON.stringify(value)}`);
  }
}

function metricsPort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--metrics-port must be a port number, got ${JSON.stringify(value)}`);
  return port;
}

export function parseArgs(
  argv: string[],
  env: Pick<AgentEnv, 'FLOE_CONTROL_PLANE' | 'FLOE_TOKEN' | 'FLOE_AGENT_POLICY'> = agentEnv(),
): Command {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help')
    return { command: 'help' };
  if (first === '--version' || first === '-v') return { command: 'version' };
  const given = flags(rest);
  const allowed =
    first === 'start'
      ? ['control-plane', 'token', 'policy', 'metrics-port']
      : first === 'doctor'
        ? ['control-plane']
        : first === 'run'
          ? ['pipeline', 'metrics-port', 'policy', 'permissive']
          : null;
  if (!allowed) throw new UsageError(`unknown command ${JSON.stringify(first)}`);
  for (const name of given.keys())
    if (!allowed.includes(name)) throw new UsageError(`${first} has no --${name}`);
  if (first === 'run') {
    const pipeline = given.get('pipeline');
    if (!pipeline) throw new UsageError('run needs --pipeline <spec.yaml>');
    const port = metricsPort(given.get('metrics-port') ?? '9464');
    const policyFile = given.get('policy') ?? env.FLOE_AGENT_POLICY;
    if (given.has('permissive') && given.has('policy'))
      throw new UsageError('--permissive and --policy exclude each other: choose one');
    // An explicit --permissive wins over a policy named only in the environment.
    if (given.has('permissive')) return { command: 'run', pipeline, metricsPort: port, permissive: true };
    return { command: 'run', pipeline, metricsPort: port, ...(policyFile && { policyFile }) };
  }
  const controlPlane = given.get('control-plane') ?? env.FLOE_CONTROL_PLANE;
  if (first === 'doctor')
    return { command: 'doctor', controlPlane: controlPlane ? url(controlPlane, 'control-plane') : undefined };
  if (!controlPlane) throw new UsageError('start needs --control-plane <url> (or FLOE_CONTROL_PLANE)');
  const token = given.get('token') ?? env.FLOE_TOKEN;
  if (!token) throw new UsageError('start needs --token <token> (or FLOE_TOKEN)');
  if (!token.startsWith(INSTALL_TOKEN_PREFIX) && !token.startsWith(API_TOKEN_PREFIX))
    throw new UsageError(
      `--token must be a Floe install token (${INSTALL_TOKEN_PREFIX}…) or API token (${API_TOKEN_PREFIX}…)`,
    );
  const policyFile = given.get('policy') ?? env.FLOE_AGENT_POLICY;
  const port = given.get('metrics-port');
  return {
    command: 'start',
    controlPlane: url(controlPlane, 'control-plane'),
    token,
    ...(policyFile && { policyFile }),
    ...(port !== undefined && { metricsPort: metricsPort(port) }),
  };
}
