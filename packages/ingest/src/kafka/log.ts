import { type LogEntry, logLevel } from 'kafkajs';

export type KafkaLogLevel = 'error' | 'warn' | 'info' | 'debug';

/** One client log line: what happened and where, never what a record held. */
export interface KafkaLogRecord {
  level: KafkaLogLevel;
  namespace: string;
  message: string;
  fields: Record<string, string | number | boolean>;
}

export type KafkaLogger = (record: KafkaLogRecord) => void;

// Fields that describe the client's doings. Anything else kafkajs attaches (decoded responses,
// request payloads, member assignments) may carry record keys or values, so it is dropped.
const SAFE_FIELDS = new Set([
  'broker',
  'clientId',
  'correlationId',
  'groupId',
  'memberId',
  'generationId',
  'topic',
  'partition',
  'retryCount',
  'retryTime',
  'error',
  'size',
]);

const LEVELS: Record<number, KafkaLogLevel> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

export const KAFKA_LOG_LEVELS: Record<KafkaLogLevel, logLevel> = {
  error: logLevel.ERROR,
  warn: logLevel.WARN,
  info: logLevel.INFO,
  debug: logLevel.DEBUG,
};

/** Writes each record as one JSON line on stderr. */
export const stderrKafkaLogger: KafkaLogger = (record) => {
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), ...record })}\n`);
};

/** Turns a kafkajs log entry into a record holding only the allowed scalar fields. */
export function toLogRecord(entry: LogEntry): KafkaLogRecord {
  const { message, ...extra } = entry.log;
  const fields: KafkaLogRecord['fields'] = {};
  for (const [name, value] of Object.entries(extra)) {
    if (!SAFE_FIELDS.has(name)) continue;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
      fields[name] = value;
  }
  return { level: LEVELS[entry.level] ?? 'info', namespace: entry.namespace, message, fields };
}
