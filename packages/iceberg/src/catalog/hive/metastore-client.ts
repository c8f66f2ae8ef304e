// The handful of Hive Metastore Thrift calls an Iceberg catalog needs (hive_metastore.thrift's
// ThriftHiveMetastore service), with the field ids of the IDL.
import {
  stringField,
  stringListField,
  stringMapField,
  structField,
  type TStruct,
  TType,
  type TValue,
  t,
} from './thrift-binary';
import { ThriftClient, type ThriftClientOptions } from './thrift-client';

/** An exception the metastore declares for a call (NoSuchObjectException, MetaException, ...), with its message. */
export class MetastoreError extends Error {
  override name = 'MetastoreError';
  constructor(
    readonly method: string,
    /** The IDL's exception type, e.g. "NoSuchObjectException". */
    readonly type: string,
    message: string,
  ) {
    super(`${method}: ${message} (${type})`);
  }
}

export interface HiveDatabase {
  name: string;
  description?: string;
  locationUri?: string;
  parameters: Record<string, string>;
}

/** A metastore table as read: the fields Iceberg uses, and the whole struct to write back. */
export interface HiveTable {
  name: string;
  database: string;
  tableType?: string;
  location?: string;
  parameters: Record<string, string>;
  raw: TStruct;
}

// Table field ids.
const TABLE = {
  name: 1,
  db: 2,
  owner: 3,
  createTime: 4,
  sd: 7,
  partitionKeys: 8,
  parameters: 9,
  tableType: 12,
};
const SD = { cols: 1, location: 2, inputFormat: 3, outputFormat: 4, compressed: 5, numBuckets: 6, serde: 7 };

// The exceptions each call declares, by the result struct's field id.
const THROWS = {
  // fb303's, which every Hive Metastore serves: its Hive version, e.g. "4.0.1".
  getVersion: {},
  get_all_databases: { 1: 'MetaException' },
  get_database: { 1: 'NoSuchObjectException', 2: 'MetaException' },
  create_database: { 1: 'AlreadyExistsException', 2: 'InvalidObjectException', 3: 'MetaException' },
  drop_database: { 1: 'NoSuchObjectException', 2: 'InvalidOperationException', 3: 'MetaException' },
  get_all_tables: { 1: 'MetaException' },
  get_table_req: { 1: 'MetaException', 2: 'NoSuchObjectException' },
  create_table: {
    1: 'AlreadyExistsException',
    2: 'InvalidObjectException',
    3: 'MetaException',
    4: 'NoSuchObjectException',
  },
  drop_table: { 1: 'NoSuchObjectException', 2: 'MetaException' },
  alter_table_with_environment_context: { 1: 'InvalidOperationException', 2: 'MetaException' },
} satisfies Record<string, Record<number, string>>;
type Method = keyof typeof THROWS;

export class MetastoreClient {
  private readonly thrift: ThriftClient;

  constructor(options: ThriftClientOptions) {
    this.thrift = new ThriftClient(options);
  }

  close(): void {
    this.thrift.close();
  }

  async getVersion(): Promise<string> {
    return stringField(await this.call('getVersion', []), 0) ?? '';
  }

  async getAllDatabases(): Promise<string[]> {
    const result = await this.call('get_all_databases', []);
    return stringListField(result, 0);
  }

  async getDatabase(name: string): Promise<HiveDatabase> {
    const db = structField(await this.call('get_database', [[1, t.string(name)]]), 0) ?? new Map();
    return {
      name: stringField(db, 1) ?? name,
      description: stringField(db, 2),
      locationUri: stringField(db, 3),
      parameters: stringMapField(db, 4),
    };
  }

  async createDatabase(db: HiveDatabase): Promise<void> {
    const database = t.struct([
      [1, t.string(db.name)],
      [2, db.description === undefined ? undefined : t.string(db.description)],
      [3, db.locationUri === undefined ? undefined : t.string(db.locationUri)],
      [4, t.stringMap(db.parameters)],
    ]);
    await this.call('create_database', [[1, database]]);
  }

  /** Refuses (InvalidOperationException) when the database still has tables: cascade is off. */
  async dropDatabase(name: string): Promise<void> {
    await this.call('drop_database', [
      [1, t.string(name)],
      [2, t.bool(false)],
      [3, t.bool(false)],
    ]);
  }

  async getAllTables(database: string): Promise<string[]> {
    return stringListField(await this.call('get_all_tables', [[1, t.string(database)]]), 0);
  }

  /** Through get_table_req (GetTableRequest → GetTableResult): Hive 4 dropped the older get_table. */
  async getTable(database: string, name: string): Promise<HiveTable> {
    const request = t.struct([
      [1, t.string(database)],
      [2, t.string(name)],
    ]);
    const result = structField(await this.call('get_table_req', [[1, request]]), 0);
    const raw = result === undefined ? undefined : structField(result, 1);
    if (raw === undefined)
      throw new MetastoreError('get_table_req', 'MissingResult', 'no table in the answer');
    return tableOf(raw);
  }

  /** An external table at `location` whose parameters are `parameters`, with no columns of its own. */
  async createExternalTable(
    database: string,
    name: string,
    location: string,
    parameters: Record<string, string>,
  ): Promise<void> {
    const nowSeconds = Math.floor(Date.now() / 1000);
    const sd = t.struct([
      [SD.cols, t.structList([])],
      [SD.location, t.string(location)],
      // The formats and serde Iceberg's own Hive catalog gives its tables, so Hive-side tools see the same.
      [SD.inputFormat, t.string('org.apache.hadoop.mapred.FileInputFormat')],
      [SD.outputFormat, t.string('org.apache.hadoop.mapred.FileOutputFormat')],
      [SD.compressed, t.bool(false)],
      [SD.numBuckets, t.i32(-1)],
      [SD.serde, t.struct([[2, t.string('org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe')]])],
    ]);
    const table = t.struct([
      [TABLE.name, t.string(name)],
      [TABLE.db, t.string(database)],
      [TABLE.createTime, t.i32(nowSeconds)],
      [TABLE.sd, sd],
      [TABLE.partitionKeys, t.structList([])],
      [TABLE.parameters, t.stringMap({ EXTERNAL: 'TRUE', ...parameters })],
      [TABLE.tableType, t.string('EXTERNAL_TABLE')],
    ]);
    await this.call('create_table', [[1, table]]);
  }

  async dropTable(database: string, name: string): Promise<void> {
    await this.call('drop_table', [
      [1, t.string(database)],
      [2, t.string(name)],
      // Never the metastore's own deletion: the catalog purges through its FileIO when asked.
      [3, t.bool(false)],
    ]);
  }

  /**
   * Writes `table` back with `parameters` merged into its own, in one metastore transaction that
   * first checks `expected`'s key still has `expected`'s value (MetaException otherwise): the
   * optimistic lock of Hive 4's alter_table.
   */
  async alterTableParameters(
    table: HiveTable,
    parameters: Record<string, string>,
    expected: { key: string; value: string },
  ): Promise<void> {
    const raw: TStruct = new Map(table.raw);
    raw.set(TABLE.parameters, t.stringMap({ ...table.parameters, ...parameters }));
    const context = t.struct([
      [
        1,
        t.stringMap({
          expected_parameter_key: expected.key,
          expected_parameter_value: expected.value,
          // Nothing for the metastore to recompute: Iceberg keeps its own statistics.
          DO_NOT_UPDATE_STATS: 'true',
        }),
      ],
    ]);
    await this.call('alter_table_with_environment_context', [
      [1, t.string(table.database)],
      [2, t.string(table.name)],
      [3, { type: TType.STRUCT, value: raw }],
      [4, context],
    ]);
  }

  private async call(method: Method, args: [number, TValue][]): Promise<TStruct> {
    const result = await this.thrift.call(method, new Map(args));
    for (const [id, type] of Object.entries(THROWS[method])) {
      const e = structField(result, Number(id));
      if (e !== undefined) throw new MetastoreError(method, type, stringField(e, 1) ?? '(no message)');
    }
    return result;
  }
}

function tableOf(raw: TStruct): HiveTable {
  const sd = structField(raw, TABLE.sd);
  return {
    name: stringField(raw, TABLE.name) ?? '',
    database: stringField(raw, TABLE.db) ?? '',
    tableType: stringField(raw, TABLE.tableType),
    location: sd === undefined ? undefined : stringField(sd, SD.location),
    parameters: stringMapField(raw, TABLE.parameters),
    raw,
  };
}
