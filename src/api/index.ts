/**
 * The bellwether.dev/v1alpha1 API: zod schemas (the single source of truth), inferred types,
 * validation, semantic checks and CRD generation.
 */
export * from './common.ts';
export * from './rollout.ts';
export * from './analysis.ts';
export * from './rollout-group.ts';
export * from './validate.ts';
export * from './semantics.ts';
export {
  buildCrds,
  renderCrdFiles,
  crdFileName,
  GENERATED_HEADER,
  type CustomResourceDefinition,
} from './crds.ts';
export { toCrdSchema, zodToCrdSchema, toStructuralSchema, CrdSchemaError, type CrdSchema } from './to-crd.ts';
export * from './gitsource.ts';
