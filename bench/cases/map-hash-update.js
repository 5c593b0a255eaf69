import { mapOpCase } from '../lib/map-ops.js';

export default mapOpCase('hash', 'update');
