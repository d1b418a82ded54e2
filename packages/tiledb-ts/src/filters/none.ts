/** The no-op filter (filter 0): data and metadata pass through. */
import { type FilterCodec, FilterType } from "./filter.js";

export const noneCodec: FilterCodec = {
  type: FilterType.NONE,
  name: "none",
  forward: (data, metadata) => ({ data, metadata }),
  reverse: (data, metadata) => ({ data, metadata }),
};
