// The import checker behind tests/unit/architecture.test.ts: lists source files, reads every import with the
// TypeScript parser (static, `import type`, re-exports, `await import(...)`, `import("x").T`, require), resolves it
// the way tsc does (tsconfig paths included), then reports import cycles and imports that cross rooms against an
// allow-list. The real tree and the fixtures under tests/unit/fixtures/architecture go through the same code.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import ts from "typescript";

export type ImportKind = "static" | "type" | "re-export" | "dynamic" | "require";

export type ImportEdge = {
  /** importing file, relative to the root, with forward slashes */
  from: string;
  /** 1-based line of the import */
  line: number;
  specifier: string;
  kind: ImportKind;
  /** the imported file relative to the root; null for a package or an unresolved import */
  to: string | null;
  /** the package name (`zod`, `@prisma/client`, `node:fs`) when the import is not a file of ours */
  pkg: string | null;
};

/**
 * A room: the files under `paths` (a path ending in `/` is a folder, any other an exact file; the longest match
 * wins, so a file can sit in a room of its own inside a folder that belongs to another). A file may import files
 * of its own room and of the rooms in `mayImport`, nothing else of ours.
 */
export type Room = {
  name: string;
  paths: readonly string[];
  mayImport: readonly string[];
  /** packages: when `allow` is given only those (and their subpaths); `deny` names packages the room must not use */
  packages?: { allow?: readonly string[]; deny?: readonly string[] };
};

const SOURCE = /\.(ts|tsx|mts|mjs)$/;
const ASSET = /\.(css|scss|svg|png|jpe?g|gif|webp|ico|woff2?|txt|md)$/;

/** Every .ts/.tsx/.mts/.mjs file (not .d.ts) under the `include` folders and files, minus the `exclude` prefixes. */
export function listSourceFiles(root: string, include: readonly string[], exclude: readonly string[] = []): string[] {
  const files: string[] = [];
  const excluded = (rel: string) =>
    exclude.some((prefix) => rel === prefix || rel.startsWith(prefix.endsWith("/") ? prefix : `${prefix}/`));
  const visit = (rel: string) => {
    if (excluded(rel)) return;
    const abs = path.join(root, rel);
    if (!existsSync(abs)) return;
    if (statSync(abs).isDirectory()) {
      for (const entry of readdirSync(abs).sort()) {
        if (entry === "node_modules" || entry.startsWith(".")) continue;
        visit(rel === "" ? entry : `${rel}/${entry}`);
      }
    } else if (SOURCE.test(rel) && !rel.endsWith(".d.ts")) {
      files.push(rel);
    }
  };
  for (const entry of include) visit(entry.replace(/\/$/, ""));
  return [...new Set(files)].sort();
}

/** The project's compiler options (for `paths`), read from its tsconfig.json. */
export function compilerOptionsOf(tsconfigPath: string): ts.CompilerOptions {
  const read = ts.readConfigFile(tsconfigPath, ts.sys.readFile);
  if (read.error) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, "\n"));
  return ts.parseJsonConfigFileContent(read.config, ts.sys, path.dirname(tsconfigPath)).options;
}

function packageName(specifier: string): string {
  if (specifier.startsWith("node:")) return specifier.split("/")[0] as string;
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] as string);
}

function importsOf(sourceFile: ts.SourceFile): { specifier: string; kind: ImportKind; pos: number }[] {
  const found: { specifier: string; kind: ImportKind; pos: number }[] = [];
  const literal = (node: ts.Node | undefined) =>
    node && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) ? node.text : undefined;
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node)) {
      const specifier = literal(node.moduleSpecifier);
      if (specifier !== undefined) found.push({ specifier, kind: node.importClause?.isTypeOnly ? "type" : "static", pos: node.getStart() });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier) {
      const specifier = literal(node.moduleSpecifier);
      if (specifier !== undefined) found.push({ specifier, kind: node.isTypeOnly ? "type" : "re-export", pos: node.getStart() });
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      const specifier = literal(node.moduleReference.expression);
      if (specifier !== undefined) found.push({ specifier, kind: "require", pos: node.getStart() });
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      const specifier = literal(node.argument.literal);
      if (specifier !== undefined) found.push({ specifier, kind: "type", pos: node.getStart() });
    } else if (ts.isCallExpression(node)) {
      const isImport = node.expression.kind === ts.SyntaxKind.ImportKeyword;
      const isRequire = ts.isIdentifier(node.expression) && node.expression.text === "require";
      if (isImport || isRequire) {
        const specifier = literal(node.arguments[0]);
        // a computed specifier cannot be checked: reported as such rather than skipped
        found.push({ specifier: specifier ?? "<computed>", kind: isImport ? "dynamic" : "require", pos: node.getStart() });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return found;
}

/** Every import of every file, resolved to a file under `root` or to a package. */
export function readImports(root: string, files: readonly string[], options: ts.CompilerOptions): ImportEdge[] {
  const absRoot = path.resolve(root);
  const cache = ts.createModuleResolutionCache(absRoot, (f) => f, options);
  const edges: ImportEdge[] = [];
  for (const file of files) {
    const abs = path.join(absRoot, file);
    const text = readFileSync(abs, "utf8");
    const kind = file.endsWith(".tsx") ? ts.ScriptKind.TSX : file.endsWith(".mjs") ? ts.ScriptKind.JS : ts.ScriptKind.TS;
    const sourceFile = ts.createSourceFile(abs, text, ts.ScriptTarget.Latest, true, kind);
    for (const found of importsOf(sourceFile)) {
      const line = sourceFile.getLineAndCharacterOfPosition(found.pos).line + 1;
      const edge: ImportEdge = { from: file, line, specifier: found.specifier, kind: found.kind, to: null, pkg: null };
      const local = found.specifier.startsWith(".") || found.specifier.startsWith("@/") || found.specifier.startsWith("/");
      const resolved = ts.resolveModuleName(found.specifier, abs, options, ts.sys, cache).resolvedModule;
      const target = resolved ? path.relative(absRoot, resolved.resolvedFileName).split(path.sep).join("/") : null;
      if (target !== null && !target.startsWith("..") && !target.split("/").includes("node_modules")) {
        edge.to = target;
      } else if (!local && found.specifier !== "<computed>") {
        edge.pkg = packageName(found.specifier);
      } else if (ASSET.test(found.specifier)) {
        continue; // CSS and images are the bundler's business
      }
      edges.push(edge);
    }
  }
  return edges;
}

/**
 * Every import cycle among `files`, each as a path that starts and ends at the same file (`a.ts → b.ts → a.ts`).
 * For each import inside a strongly connected set of files, the shortest way back is one cycle, so every import
 * that takes part in a cycle shows up in at least one of them; the same cycle is listed once.
 */
export function findCycles(edges: readonly ImportEdge[]): string[] {
  const graph = new Map<string, Set<string>>();
  for (const edge of edges) {
    if (edge.to === null) continue;
    if (!graph.has(edge.from)) graph.set(edge.from, new Set());
    if (!graph.has(edge.to)) graph.set(edge.to, new Set());
    graph.get(edge.from)?.add(edge.to);
  }
  const nodes = [...graph.keys()].sort();

  // Tarjan's strongly connected components, iteratively (no recursion limit on a deep tree)
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let counter = 0;
  for (const start of nodes) {
    if (index.has(start)) continue;
    const work: { node: string; next: string[] }[] = [];
    const open = (node: string) => {
      index.set(node, counter);
      low.set(node, counter);
      counter++;
      stack.push(node);
      onStack.add(node);
      work.push({ node, next: [...(graph.get(node) ?? [])].sort() });
    };
    open(start);
    while (work.length > 0) {
      const top = work[work.length - 1] as { node: string; next: string[] };
      const child = top.next.shift();
      if (child !== undefined) {
        if (!index.has(child)) open(child);
        else if (onStack.has(child)) low.set(top.node, Math.min(low.get(top.node) as number, index.get(child) as number));
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node) as number, low.get(top.node) as number));
      if (low.get(top.node) === index.get(top.node)) {
        const component: string[] = [];
        let member: string | undefined;
        do {
          member = stack.pop() as string;
          onStack.delete(member);
          component.push(member);
        } while (member !== top.node);
        components.push(component);
      }
    }
  }

  const cycles = new Set<string>();
  for (const component of components) {
    const inside = new Set(component);
    for (const from of [...component].sort()) {
      for (const to of [...(graph.get(from) ?? [])].sort()) {
        if (!inside.has(to)) continue;
        // shortest path to → … → from inside the component, then the import from → to closes the cycle
        const previous = new Map<string, string>([[to, to]]);
        const queue = [to];
        while (queue.length > 0 && !previous.has(from)) {
          const node = queue.shift() as string;
          for (const next of [...(graph.get(node) ?? [])].sort()) {
            if (inside.has(next) && !previous.has(next)) {
              previous.set(next, node);
              queue.push(next);
            }
          }
        }
        const way: string[] = [from];
        for (let node = from; node !== to; node = previous.get(node) as string) way.unshift(previous.get(node) as string);
        // `way` is to … from; the cycle is from → to … from, turned to start at its smallest file
        const loop = to === from ? [from] : [from, ...way.slice(0, -1)];
        const first = loop.indexOf([...loop].sort()[0] as string);
        const rotated = [...loop.slice(first), ...loop.slice(0, first)];
        cycles.add([...rotated, rotated[0]].join(" → "));
      }
    }
  }
  return [...cycles].sort();
}

/** The room a file belongs to: the longest matching path wins; undefined when none matches. */
export function roomOf(file: string, rooms: readonly Room[]): Room | undefined {
  let best: { room: Room; length: number } | undefined;
  for (const room of rooms) {
    for (const p of room.paths) {
      const matches = p.endsWith("/") ? file.startsWith(p) : file === p;
      if (matches && (!best || p.length > best.length)) best = { room, length: p.length };
    }
  }
  return best?.room;
}

const KIND_NOTE: Record<ImportKind, string> = {
  static: "",
  "re-export": " (re-export)",
  type: " (type-only)",
  dynamic: " (await import)",
  require: " (require)",
};

/** Mistakes in the room table itself: unknown room names, and an allow-list that does not point one way. */
export function checkRoomTable(rooms: readonly Room[]): string[] {
  const problems: string[] = [];
  const names = new Set(rooms.map((r) => r.name));
  if (names.size !== rooms.length) problems.push("two rooms share a name");
  for (const room of rooms) {
    for (const other of room.mayImport) if (!names.has(other)) problems.push(`${room.name} may import unknown room ${other}`);
    if (room.mayImport.includes(room.name)) problems.push(`${room.name} lists itself`);
  }
  // the allow-list must itself be acyclic: that is what "a lower room never imports a higher one" means
  const roomEdges: ImportEdge[] = rooms.flatMap((room) =>
    room.mayImport.map((other) => ({ from: room.name, to: other, line: 0, specifier: other, kind: "static" as const, pkg: null })),
  );
  for (const cycle of findCycles(roomEdges)) problems.push(`the allow-list goes round: ${cycle}`);
  return problems;
}

/** Files in no room, imports that cross rooms without being allowed, packages a room must not use, unresolved imports. */
export function checkRooms(files: readonly string[], edges: readonly ImportEdge[], rooms: readonly Room[]): string[] {
  const problems: string[] = [];
  for (const file of files) if (!roomOf(file, rooms)) problems.push(`${file} is in no room: add it to the room table`);
  for (const edge of edges) {
    const where = `${edge.from}:${edge.line}`;
    const from = roomOf(edge.from, rooms);
    if (!from) continue;
    if (edge.to === null && edge.pkg === null) {
      problems.push(`${where} imports ${edge.specifier}, which does not resolve to a file`);
      continue;
    }
    if (edge.pkg !== null) {
      const { allow, deny } = from.packages ?? {};
      const denied = deny?.some((name) => edge.pkg === name || edge.specifier === name || edge.specifier.startsWith(`${name}/`));
      if (denied || (allow && !allow.includes(edge.pkg))) {
        problems.push(`${where} (${from.name}) imports package ${edge.specifier}${KIND_NOTE[edge.kind]}, not allowed in ${from.name}`);
      }
      continue;
    }
    const to = roomOf(edge.to as string, rooms);
    if (!to) {
      problems.push(`${where} (${from.name}) imports ${edge.to}, which is in no room`);
    } else if (to !== from && !from.mayImport.includes(to.name)) {
      problems.push(`${where} (${from.name}) imports ${edge.to} (${to.name})${KIND_NOTE[edge.kind]}`);
    }
  }
  return problems;
}

/** Rooms whose paths match none of `files` (a stale table hides nothing, but it misleads the reader). */
export function emptyRooms(files: readonly string[], rooms: readonly Room[]): string[] {
  return rooms.filter((room) => !files.some((file) => roomOf(file, rooms) === room)).map((room) => room.name);
}
