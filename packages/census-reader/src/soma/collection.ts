import { CensusReaderError } from "../errors.js";
import { type GroupInfo, groupKey } from "../tiledb-access.js";
import { SomaObject, type SomaObjectType } from "./soma-object.js";

/** Opens a member; `lineage` holds the keys of the groups above it (see groupKey), for cycle detection. */
export type OpenFn = (uri: string, lineage: readonly string[]) => Promise<SomaObject>;

/** A SOMA Collection: a TileDB group whose members are SOMA objects, opened on demand by name. */
export class SomaCollection extends SomaObject {
  readonly somaType: SomaObjectType = "SOMACollection";
  private readonly opened = new Map<string, Promise<SomaObject>>();

  constructor(
    protected readonly group: GroupInfo,
    protected readonly openUri: OpenFn,
    /** Keys of the groups this one was opened through, outermost first. */
    private readonly lineage: readonly string[] = [],
  ) {
    super(group.uri, group.metadata);
  }

  /** Member names, sorted. */
  keys(): string[] {
    return this.group.members.map((m) => m.name).sort();
  }

  has(name: string): boolean {
    return this.group.members.some((m) => m.name === name);
  }

  /**
   * Opens the member `name`; a clear error names the collection when it is not listed or not on storage, and when
   * the member is this group or one it was opened through (a cycle, which a walk down the tree would never leave).
   */
  get(name: string): Promise<SomaObject> {
    let p = this.opened.get(name);
    if (p) return p;
    const m = this.group.members.find((x) => x.name === name);
    if (!m) {
      return Promise.reject(
        new CensusReaderError("E_NO_MEMBER", `${this.somaType} ${this.uri} has no member "${name}" (members: ${this.keys().join(", ") || "none"})`),
      );
    }
    const path = [...this.lineage, groupKey(this.uri)];
    if (path.includes(groupKey(m.uri))) {
      return Promise.reject(
        new CensusReaderError("E_GROUP_CYCLE", `${this.somaType} ${this.uri} lists member "${name}" at ${m.uri}, which contains it (a group cycle)`),
      );
    }
    p = this.openUri(m.uri, path).catch((e: unknown) => {
      this.opened.delete(name);
      if (e instanceof CensusReaderError && e.code === "E_NOT_FOUND") {
        throw new CensusReaderError(
          "E_MISSING_MEMBER",
          `${this.somaType} ${this.uri} lists member "${name}" at ${m.uri}, but nothing is stored there`,
          { cause: e },
        );
      }
      throw e;
    });
    this.opened.set(name, p);
    return p;
  }
}
