export { encodeInstructions } from '@bpfkit/core';
