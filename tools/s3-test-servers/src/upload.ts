import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Copies the local tree `dir` to `uri` (an object-store prefix) file by file through `write` (a storage backend's
 * write), a few at a time. Returns the bytes copied.
 */
export async function uploadTree(dir: string, uri: string, write: (uri: string, data: Uint8Array) => Promise<void>): Promise<number> {
  const files: Array<[string, string]> = [];
  const walk = (local: string, remote: string) => {
    for (const e of readdirSync(local, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(local, e.name), `${remote}/${e.name}`);
      else if (e.isFile()) files.push([join(local, e.name), `${remote}/${e.name}`]);
    }
  };
  walk(dir, uri.replace(/\/+$/, ""));
  let bytes = 0;
  for (let i = 0; i < files.length; i += 8) {
    await Promise.all(
      files.slice(i, i + 8).map(async ([local, remote]) => {
        const data = readFileSync(local);
        bytes += data.byteLength;
        await write(remote, data);
      }),
    );
  }
  return bytes;
}
