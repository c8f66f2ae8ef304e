import { type StructType, T } from '@floe/iceberg';
import { isJsonObject } from '@floe/iceberg/json';
import { RecordRejectedError, type TypedValue, type ValueDecoder, withSequentialIds } from './decoded';
import { describeKind, inferStruct, parseJsonRecord, withoutUntyped } from './json-infer';

/**
 * Schemaless JSON: each record is typed by its own form (see inferValue), read without loss (a 19-digit
 * integer stays exact, a fraction stays a fraction). Strings stay strings: which of them are
 * timestamps is the pipeline mapping's call, where the user says so.
 */
export class SchemalessJsonDecoder implements ValueDecoder {
  async decode(value: Buffer): Promise<TypedValue> {
    const json = parseJsonRecord(value);
    if (!isJsonObject(json)) {
      throw new RecordRejectedError('invalid-json', `the value is ${describeKind(json)}, not a JSON object`);
    }
    const { type, value: row } = inferStruct(json, '');
    return { type: withSequentialIds((withoutUntyped(type) as StructType | undefined) ?? T.struct([])), row };
  }
}
