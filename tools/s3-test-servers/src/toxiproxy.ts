/**
 * Toxiproxy (built from its Go module into .tools/bin by setup) between a client and a server on loopback:
 * faults are toxics added to the proxy through its HTTP API (latency, resets, stalls), and apply to
 * connections already open as well as new ones.
 */
import { freePort, installedTool, startProcess, stopProcess } from "./process.js";

export interface Toxic {
  type: "latency" | "reset_peer" | "timeout" | "bandwidth" | "limit_data" | "slicer" | "slow_close";
  stream?: "upstream" | "downstream";
  /** Fraction of connections it applies to (default 1). */
  toxicity?: number;
  attributes: Record<string, number>;
}

export interface Toxiproxy {
  /** http://127.0.0.1:PORT: the proxied endpoint. */
  endpoint: string;
  /** Adds a toxic; returns its name (for `remove`). */
  add(toxic: Toxic): Promise<string>;
  remove(name: string): Promise<void>;
  /** Removes every toxic. */
  clear(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts Toxiproxy with one proxy from a free loopback port to `upstream` (host:port). */
export async function startToxiproxy(upstream: string): Promise<Toxiproxy> {
  const bin = installedTool(".tools/bin/toxiproxy-server", "Toxiproxy (go install github.com/Shopify/toxiproxy/v2/cmd/server)");
  const apiPort = await freePort();
  const api = `http://127.0.0.1:${apiPort}`;
  const child = await startProcess(bin, ["-host", "127.0.0.1", "-port", String(apiPort)], {}, async () => (await fetch(`${api}/version`)).ok, "toxiproxy-server");
  const call = async (method: string, path: string, body?: unknown) => {
    const r = await fetch(`${api}${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body), headers: { "content-type": "application/json" } });
    if (!r.ok) throw new Error(`toxiproxy ${method} ${path}: HTTP ${r.status} ${await r.text()}`);
    return r.status === 204 ? undefined : r.json();
  };
  const listenPort = await freePort();
  await call("POST", "/proxies", { name: "s3", listen: `127.0.0.1:${listenPort}`, upstream, enabled: true });
  let n = 0;
  const names = new Set<string>();
  const remove = async (name: string) => {
    await call("DELETE", `/proxies/s3/toxics/${name}`);
    names.delete(name);
  };
  return {
    endpoint: `http://127.0.0.1:${listenPort}`,
    async add(toxic) {
      const name = `${toxic.type}-${++n}`;
      await call("POST", "/proxies/s3/toxics", { name, type: toxic.type, stream: toxic.stream ?? "downstream", toxicity: toxic.toxicity ?? 1, attributes: toxic.attributes });
      names.add(name);
      return name;
    },
    remove,
    async clear() {
      for (const name of [...names]) await remove(name);
    },
    stop: () => stopProcess(child),
  };
}
