export { type CompareOp, type FilterExpr, formatFilter, type Literal } from "./ast.js";
export { type BoundExpr, bindFilter, type ColumnKind, columnKind, filterColumns, type SchemaLike } from "./bind.js";
export { columnsInput, evaluateFilter, type FilterInput, recordBatchInput } from "./evaluate.js";
export { MAX_FILTER_DEPTH, parseFilter } from "./parser.js";
export {
  complement,
  type IndexDimension,
  intersectRanges,
  normalize,
  type PushdownPlan,
  planPushdown,
  type RangeSet,
  toRanges,
  unionRanges,
} from "./pushdown.js";
export { type Token, tokenize } from "./tokenizer.js";
