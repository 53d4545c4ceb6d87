/**
 * The shape the operation table must have, from the generated model types (shared/model/types.ts): each
 * operation takes its request type as the codec decodes it and returns its response type, so a wrong
 * member name or type, or a name that is no operation, does not compile.
 */
import type { OperationTypes } from './types.js';

/** A response as operations build it: the model's enum unions widened to string (the key records hold strings). */
export type Built<T> = T extends string
  ? string
  : T extends Buffer | Date
    ? T
    : T extends readonly (infer U)[]
      ? Built<U>[]
      : T extends object
        ? { [K in keyof T]: Built<T[K]> }
        : T;

export type OperationTable<Ctx> = {
  [N in keyof OperationTypes]?: (input: OperationTypes[N]['input'], ctx: Ctx) => Promise<Built<OperationTypes[N]['output']> | void>;
};
