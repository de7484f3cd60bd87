import { createRequire } from 'node:module';
import type { History } from '@temporalio/common/lib/proto-utils.js';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root.js';

/**
 * History <-> ProtoJSON (the format `temporal workflow show --output json` writes), as the SDK's
 * `historyToJSON` / `historyFromJSON` in @temporalio/common/lib/proto-utils do it.
 *
 * Why not those: in this install npm gives @temporalio/common and @temporalio/proto each their
 * own copy of protobufjs 8 (the top level holds 7 for @grpc/proto-loader), and common's
 * `toJson(type, …)` checks `type instanceof Type` against its own copy, so both functions throw
 * "type must be a Type" (Node 20, SDK 1.24.0). protojson is therefore loaded from the protobufjs
 * that @temporalio/proto itself resolves: the one whose Type the proto root is built with.
 */
const requireHere = createRequire(import.meta.url);
// The CommonJS root itself (an ESM namespace import of it would hide lookupType under vitest).
const proto = requireHere('@temporalio/proto') as typeof import('@temporalio/proto');
const requireFromProto = createRequire(requireHere.resolve('@temporalio/proto'));
const protojson = requireFromProto('protobufjs/ext/protojson') as {
  toJson(type: unknown, message: unknown): unknown;
  fromJson(type: unknown, json: unknown, options?: { ignoreUnknownFields?: boolean }): unknown;
};
const historyType = (patchProtobufRoot(proto) as unknown as { lookupType(name: string): unknown }).lookupType(
  'temporal.api.history.v1.History',
);
const HistoryMessage = proto.temporal.api.history.v1.History;

export function historyToJson(history: History): string {
  return JSON.stringify(protojson.toJson(historyType, HistoryMessage.fromObject(history)), null, 2);
}

export function historyFromJson(json: unknown): History {
  const history = protojson.fromJson(historyType, json, { ignoreUnknownFields: true });
  if (!history) throw new TypeError('not a workflow history');
  return history as History;
}
