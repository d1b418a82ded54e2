// Prints the public API of an entry point as TypeScript's compiler sees it (one line per exported name with its
// kind), from the declarations `tsup` emits: `node scripts/api-report.mjs [dist/index.d.ts]`. The README's
// "Public API" section is this output; test/api-report.test.ts checks that it is current.
import { resolve } from "node:path";
import ts from "typescript";

export function apiReport(entry) {
  const program = ts.createProgram([entry], { noEmit: true, skipLibCheck: true });
  const checker = program.getTypeChecker();
  const file = program.getSourceFile(entry);
  if (!file) throw new Error(`no declarations at ${entry} (build the package first)`);
  const symbol = checker.getSymbolAtLocation(file);
  const kind = (s) => {
    const t = s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s;
    const f = t.flags;
    if (f & ts.SymbolFlags.Class) return "class";
    if (f & ts.SymbolFlags.Enum) return "enum";
    if (f & ts.SymbolFlags.Function) return "function";
    if (f & ts.SymbolFlags.Variable) return "const";
    if (f & ts.SymbolFlags.Interface) return "interface";
    if (f & ts.SymbolFlags.TypeAlias) return "type";
    return "other";
  };
  return checker
    .getExportsOfModule(symbol)
    .map((s) => `${kind(s)} ${s.getName()}`)
    .sort((a, b) => a.localeCompare(b));
}

if (import.meta.url === `file://${resolve(process.argv[1])}`) {
  const lines = apiReport(resolve(process.argv[2] ?? "dist/index.d.ts"));
  console.log(lines.join("\n"));
  console.error(`${lines.length} exported names`);
}
