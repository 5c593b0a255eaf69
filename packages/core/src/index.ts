import 'reflect-metadata';

export * from './errors.js';
export * from './pipeline/artifacts.js';
export * from './pipeline/events.js';
export * from './pipeline/open-stages.js';
export * from './pipeline/plugin.js';
export * from './pipeline/stage.js';
export * from './pipeline/tokens.js';
export * from './spec/instruction.js';
export * from './spec/map.js';
export * from './spec/object.js';
export * from './spec/object-file.js';
export * from './spec/program.js';
export * from './spec/relocation.js';
export * from './uapi/bpf-constants.js';
export * from './uapi/map-types.js';
export * from './uapi/program-types.js';
export * from './uapi/section-definitions.js';
