export { readCsv } from './reader.js';
export { writeCsv } from './writer.js';
export {
  csvInterface,
  inferCsvInterface,
  type CsvInference,
  type CsvInferOptions,
} from './interface.js';
export {
  type CsvColumn,
  type CsvDialect,
  type CsvLineEnding,
  type CsvReadOptions,
  type CsvWriteOptions,
} from './options.js';
export type { CellType } from '../text/cells.js';
