import { decodeGenericTileAt, readGenericTile } from "../generic-tile.js";
import type { ArraySchema } from "../schema.js";
import { joinUri } from "../vfs/index.js";
import type { VFS } from "../vfs/vfs.js";
import { decodeFragmentMetadataTiles, loadFragmentMetadata } from "./decode.js";
import { fieldCount } from "./fields.js";
import { decodeRtree } from "./rtree.js";
import { bigU64s, decodeBounds, decodeFragmentStats } from "./sections.js";
import { FRAGMENT_METADATA_FILE, type FragmentFooter, type FragmentMetadata, type FragmentStats, type MBR, type TileBounds } from "./types.js";

/**
 * Loads single sections of a fragment's metadata on demand (one small read each), for readers that need
 * only the R-tree and a few fields' tile offsets of a large fragment.
 */
export class FragmentMetadataSections {
  private readonly uri: string;
  private readonly cache = new Map<string, Promise<unknown>>();
  constructor(
    readonly fragmentUri: string,
    readonly footer: FragmentFooter,
    readonly schema: ArraySchema,
    private readonly vfs: VFS,
    /** The whole file, when opening the fragment already read it. */
    private readonly file?: Uint8Array,
  ) {
    this.uri = joinUri(fragmentUri, FRAGMENT_METADATA_FILE);
  }
  private section<T>(key: string, offset: number, decode: (data: Uint8Array, what: string) => T): Promise<T> {
    let p = this.cache.get(key) as Promise<T> | undefined;
    if (!p) {
      const what = `${this.uri} (${key})`;
      const file = this.file;
      p = file ? Promise.resolve().then(() => decode(decodeGenericTileAt(file, offset, this.uri).data, what)) : readGenericTile(this.vfs, this.uri, offset).then((t) => decode(t.data, what));
      this.cache.set(key, p);
    }
    return p;
  }
  rtree(): Promise<FragmentMetadata["rtree"]> {
    return this.section("R-tree", this.footer.gtOffsets.rtree, (d, w) => decodeRtree(d, this.schema, w));
  }
  async mbrs(): Promise<MBR[]> {
    const t = await this.rtree();
    return t.levels.length > 0 ? t.levels[t.levels.length - 1] : [];
  }
  tileOffsets(field: number): Promise<BigUint64Array> {
    return this.section(`tile offsets ${field}`, this.footer.gtOffsets.tileOffsets[field], (d, w) => bigU64s(d, w, "tile offsets"));
  }
  tileVarOffsets(field: number): Promise<BigUint64Array> {
    return this.section(`tile var offsets ${field}`, this.footer.gtOffsets.tileVarOffsets[field], (d, w) => bigU64s(d, w, "tile var offsets"));
  }
  tileVarSizes(field: number): Promise<BigUint64Array> {
    return this.section(`tile var sizes ${field}`, this.footer.gtOffsets.tileVarSizes[field], (d, w) => bigU64s(d, w, "tile var sizes"));
  }
  tileValidityOffsets(field: number): Promise<BigUint64Array> {
    return this.section(`tile validity offsets ${field}`, this.footer.gtOffsets.tileValidityOffsets[field], (d, w) =>
      bigU64s(d, w, "tile validity offsets"),
    );
  }
  tileMins(field: number): Promise<TileBounds> {
    return this.section(`tile mins ${field}`, this.footer.gtOffsets.tileMinOffsets[field], decodeBounds);
  }
  tileMaxes(field: number): Promise<TileBounds> {
    return this.section(`tile maxes ${field}`, this.footer.gtOffsets.tileMaxOffsets[field], decodeBounds);
  }
  tileSums(field: number): Promise<Uint8Array> {
    return this.section(`tile sums ${field}`, this.footer.gtOffsets.tileSumOffsets[field], (d, w) => new Uint8Array(bigU64s(d, w, "tile sums").buffer));
  }
  tileNullCounts(field: number): Promise<BigUint64Array> {
    return this.section(`tile null counts ${field}`, this.footer.gtOffsets.tileNullCountOffsets[field], (d, w) => bigU64s(d, w, "tile null counts"));
  }
  fragmentStats(): Promise<FragmentStats[]> {
    if (this.footer.version < 12) return Promise.resolve([]);
    return this.section("fragment stats", this.footer.gtOffsets.fragmentMinMaxSumNullCount, (d, w) =>
      decodeFragmentStats(d, fieldCount(this.schema, this.footer), w),
    );
  }
  /** Everything at once (one read of the whole file). */
  all(): Promise<FragmentMetadata> {
    let p = this.cache.get("all") as Promise<FragmentMetadata> | undefined;
    if (!p) {
      p = this.file
        ? Promise.resolve().then(() => decodeFragmentMetadataTiles(this.file as Uint8Array, this.footer, this.schema, this.uri))
        : loadFragmentMetadata(this.fragmentUri, this.footer, this.schema, this.vfs);
      this.cache.set("all", p);
    }
    return p;
  }
}
