import { JsonValue } from '../contracts/value-type';

/** The default of `maxPayloadBytes`: 1 MiB. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 1_048_576;

/**
 * Size of an encoded payload as it is stored: the UTF-8 bytes of its JSON (`payload`) plus those of its type
 * annotations (`types`). The envelope (ids, names, dates) adds a few hundred bytes per job on top.
 */
export function encodedSize(json: JsonValue, meta: Record<string, unknown> | undefined): number {
  return Buffer.byteLength(JSON.stringify(json)) + (meta ? Buffer.byteLength(JSON.stringify(meta)) : 0);
}

/** The top-level field whose JSON is the largest, with its size; `undefined` when the payload is not an object. */
export function largestField(json: JsonValue): { readonly field: string; readonly bytes: number } | undefined {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return undefined;
  let largest: { field: string; bytes: number } | undefined;
  for (const [field, value] of Object.entries(json)) {
    const bytes = Buffer.byteLength(JSON.stringify(value) ?? '');
    if (!largest || bytes > largest.bytes) largest = { field, bytes };
  }
  return largest;
}
