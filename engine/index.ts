export { createEngine } from './engine.js';
export type { Engine, ChangeListener } from './api/engine.js';
export type { EngineOptions } from './api/options.js';
export { ERROR_CODES, InvalidArgumentError, type ErrorCode, type EngineError, type Refusal } from './api/errors.js';
export { LIMITS } from './api/limits.js';
export { STRATEGIES } from './api/strategies.js';
export { BATCH_OPERATIONS, type BatchEntry, type BatchOperation, type BatchResult } from './router/batch.js';
export type * from './api/types.js';
