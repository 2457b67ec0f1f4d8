export {
  runCli,
  MAX_LOOKUP_BYTES,
  MAX_LOOKUP_ROWS,
  MAX_MAPPING_BYTES,
  type CliIo,
} from './main.js';
