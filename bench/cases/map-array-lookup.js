import { mapOpCase } from '../lib/map-ops.js';

export default mapOpCase('array', 'lookup');
