/**
 * A small Dockerfile and .dockerignore parser: enough of the instruction set for the policy checks and
 * the replay in dockerfile.test.ts (FROM ... AS, ARG, WORKDIR, COPY [--from], RUN, ENV, USER, EXPOSE,
 * HEALTHCHECK, CMD, ENTRYPOINT, STOPSIGNAL, LABEL). Anything else is kept as a raw instruction so that a
 * policy can still reject it.
 */

export interface Instruction {
  /** Upper-cased keyword, e.g. COPY. */
  keyword: string;
  /** Leading `--name=value` flags (`--name` alone gives ''). */
  flags: Record<string, string>;
  /** The rest of the instruction after the flags, continuation lines joined with a space. */
  args: string;
  /** Set when args is a JSON array of strings (exec form). */
  json?: string[];
  /** 1-based line where the instruction starts. */
  line: number;
}

export interface Command {
  form: 'exec' | 'shell';
  /** The argv Docker would run: exec form as written, shell form as ['/bin/sh', '-c', text]. */
  argv: string[];
  text: string;
}

export interface Healthcheck {
  none: boolean;
  options: Record<string, string>;
  command?: Command;
}

export interface CopyInstruction {
  from?: string;
  chown?: string;
  sources: string[];
  dest: string;
  line: number;
}

export interface Stage {
  index: number;
  name?: string;
  base: string;
  instructions: Instruction[];
}

export interface Dockerfile {
  directives: Record<string, string>;
  /** ARG instructions before the first FROM. */
  globalArgs: Record<string, string | undefined>;
  stages: Stage[];
}

const DIRECTIVE = /^#\s*([a-zA-Z][a-zA-Z0-9_-]*)\s*=\s*(.*?)\s*$/;

function tryJsonArray(text: string): string[] | undefined {
  const trimmed = text.trim();
  if (!trimmed.startsWith('[')) return undefined;
  try {
    const value: unknown = JSON.parse(trimmed);
    if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
  } catch {
    // Docker falls back to the shell form when the JSON is invalid.
  }
  return undefined;
}

/** Splits `--a=b --c rest...` into flags and the rest. Only instructions that take flags are split. */
function splitFlags(rest: string): { flags: Record<string, string>; args: string } {
  const flags: Record<string, string> = {};
  let remaining = rest.trimStart();
  for (;;) {
    const m = /^--([a-zA-Z][\w-]*)(?:=(\S*))?(?:\s+|$)/.exec(remaining);
    if (!m) break;
    flags[m[1]!] = m[2] ?? '';
    remaining = remaining.slice(m[0].length);
  }
  return { flags, args: remaining.trim() };
}

const FLAG_KEYWORDS = new Set(['FROM', 'COPY', 'ADD', 'RUN', 'HEALTHCHECK']);

/** Parses Dockerfile text into stages. Only the default escape character (backslash) is supported. */
export function parseDockerfile(text: string): Dockerfile {
  const lines = text.split(/\r?\n/);
  const directives: Record<string, string> = {};

  // Parser directives: leading `# key=value` comments, before any other line.
  let i = 0;
  for (; i < lines.length; i++) {
    const m = DIRECTIVE.exec(lines[i]!);
    if (!m) break;
    directives[m[1]!.toLowerCase()] = m[2]!;
  }
  if (directives.escape !== undefined && directives.escape !== '\\') {
    throw new Error(`unsupported escape directive ${JSON.stringify(directives.escape)}`);
  }

  // Logical lines: comments dropped (also inside continuations), trailing backslash joins lines.
  const logical: Array<{ text: string; line: number }> = [];
  let current: { parts: string[]; line: number } | undefined;
  for (; i < lines.length; i++) {
    const raw = lines[i]!;
    const trimmed = raw.trim();
    if (trimmed.startsWith('#')) continue;
    if (trimmed === '' && !current) continue;
    if (trimmed === '') continue; // an empty line inside a continuation is skipped, as Docker does
    const continues = /\\\s*$/.test(raw);
    const body = continues ? raw.replace(/\\\s*$/, '') : raw;
    if (!current) current = { parts: [], line: i + 1 };
    current.parts.push(body.trim());
    if (!continues) {
      logical.push({ text: current.parts.join(' ').trim(), line: current.line });
      current = undefined;
    }
  }
  if (current) logical.push({ text: current.parts.join(' ').trim(), line: current.line });

  const globalArgs: Record<string, string | undefined> = {};
  const stages: Stage[] = [];
  for (const { text: lineText, line } of logical) {
    const m = /^(\S+)\s*([\s\S]*)$/.exec(lineText);
    if (!m) continue;
    const keyword = m[1]!.toUpperCase();
    const { flags, args } = FLAG_KEYWORDS.has(keyword) ? splitFlags(m[2]!) : { flags: {}, args: m[2]!.trim() };
    const instruction: Instruction = { keyword, flags, args, line };
    const json = tryJsonArray(args);
    if (json) instruction.json = json;

    if (keyword === 'FROM') {
      const fm = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (!fm) throw new Error(`line ${line}: cannot parse FROM ${args}`);
      const base = expand(fm[1]!, globalArgs);
      stages.push({ index: stages.length, base, instructions: [], ...(fm[2] ? { name: fm[2].toLowerCase() } : {}) });
      continue;
    }
    const stage = stages[stages.length - 1];
    if (!stage) {
      if (keyword !== 'ARG') throw new Error(`line ${line}: ${keyword} before the first FROM`);
      Object.assign(globalArgs, parseArg(args));
      continue;
    }
    stage.instructions.push(instruction);
  }
  if (stages.length === 0) throw new Error('no FROM instruction');
  return { directives, globalArgs, stages };
}

function parseArg(args: string): Record<string, string | undefined> {
  const eq = args.indexOf('=');
  if (eq < 0) return { [args.trim()]: undefined };
  return { [args.slice(0, eq).trim()]: unquote(args.slice(eq + 1).trim()) };
}

function unquote(value: string): string {
  const m = /^"(.*)"$/s.exec(value) ?? /^'(.*)'$/s.exec(value);
  return m ? m[1]! : value;
}

/** Docker's variable substitution: $VAR, ${VAR}, ${VAR:-default}, ${VAR:+alt}; `\$` stays literal. */
export function expand(value: string, vars: Record<string, string | undefined>): string {
  return value.replace(
    /\\\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::([-+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (whole, braced?: string, op?: string, word?: string, bare?: string) => {
      if (whole === '\\$') return '$';
      const name = braced ?? bare!;
      const v = vars[name];
      if (op === '-') return v !== undefined && v !== '' ? v : (word ?? '');
      if (op === '+') return v !== undefined && v !== '' ? (word ?? '') : '';
      return v ?? '';
    },
  );
}

/** Tokenises `a=b c="d e" f='g'` (and backslash escapes), as ENV and LABEL take them. */
function tokenize(text: string): string[] {
  const tokens: string[] = [];
  let token = '';
  let inToken = false;
  let quote: '"' | "'" | undefined;
  for (let k = 0; k < text.length; k++) {
    const c = text[k]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && k + 1 < text.length) token += text[++k];
      else token += c;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      inToken = true;
    } else if (c === '\\' && k + 1 < text.length) {
      token += text[++k];
      inToken = true;
    } else if (/\s/.test(c)) {
      if (inToken) tokens.push(token);
      token = '';
      inToken = false;
    } else {
      token += c;
      inToken = true;
    }
  }
  if (quote) throw new Error(`unterminated quote in ${text}`);
  if (inToken) tokens.push(token);
  return tokens;
}

/** ENV key=value ... (or the legacy `ENV key value with spaces`). Values are expanded against `vars`. */
export function parseEnv(args: string, vars: Record<string, string | undefined> = {}): Record<string, string> {
  const out: Record<string, string> = {};
  const first = /^([A-Za-z_][A-Za-z0-9_.-]*)(\s+|=)/.exec(args);
  if (!first) throw new Error(`cannot parse ENV ${args}`);
  if (first[2] !== '=') {
    out[first[1]!] = expand(args.slice(first[0].length).trim(), vars);
    return out;
  }
  // Docker expands every pair against the environment as it was before this instruction.
  for (const token of tokenize(args)) {
    const eq = token.indexOf('=');
    if (eq <= 0) throw new Error(`ENV ${args}: ${token} is not key=value`);
    out[token.slice(0, eq)] = expand(token.slice(eq + 1), vars);
  }
  return out;
}

export function parseCommand(instruction: Instruction): Command {
  if (instruction.json) return { form: 'exec', argv: instruction.json, text: instruction.args };
  return { form: 'shell', argv: ['/bin/sh', '-c', instruction.args], text: instruction.args };
}

export function parseHealthcheck(instruction: Instruction): Healthcheck {
  if (/^NONE$/i.test(instruction.args)) return { none: true, options: instruction.flags };
  const m = /^CMD\s+([\s\S]+)$/i.exec(instruction.args);
  if (!m) throw new Error(`line ${instruction.line}: HEALTHCHECK needs CMD or NONE`);
  const inner: Instruction = { ...instruction, keyword: 'CMD', flags: {}, args: m[1]!.trim() };
  const json = tryJsonArray(inner.args);
  if (json) inner.json = json;
  else delete inner.json;
  return { none: false, options: instruction.flags, command: parseCommand(inner) };
}

export function parseCopy(instruction: Instruction, vars: Record<string, string | undefined> = {}): CopyInstruction {
  const parts = (instruction.json ?? instruction.args.split(/\s+/).filter(Boolean)).map((p) => expand(p, vars));
  if (parts.length < 2) throw new Error(`line ${instruction.line}: COPY needs a source and a destination`);
  return {
    ...(instruction.flags.from !== undefined ? { from: instruction.flags.from.toLowerCase() } : {}),
    ...(instruction.flags.chown !== undefined ? { chown: instruction.flags.chown } : {}),
    sources: parts.slice(0, -1),
    dest: parts[parts.length - 1]!,
    line: instruction.line,
  };
}

export function findStage(dockerfile: Dockerfile, ref: string): Stage | undefined {
  const byName = dockerfile.stages.find((s) => s.name === ref.toLowerCase());
  if (byName) return byName;
  return /^\d+$/.test(ref) ? dockerfile.stages[Number(ref)] : undefined;
}

/** The state a stage ends in: env, workdir, user and the runtime settings (last one wins). */
export interface StageSummary {
  env: Record<string, string>;
  workdir: string;
  user?: string;
  expose: string[];
  healthcheck?: Healthcheck;
  cmd?: Command;
  entrypoint?: Command;
  stopSignal?: string;
  copies: CopyInstruction[];
  runs: Command[];
}

export function summarizeStage(dockerfile: Dockerfile, stage: Stage): StageSummary {
  const summary: StageSummary = { env: {}, workdir: '/', expose: [], copies: [], runs: [] };
  const args: Record<string, string | undefined> = {};
  const vars = (): Record<string, string | undefined> => ({ ...args, ...summary.env });
  for (const ins of stage.instructions) {
    switch (ins.keyword) {
      case 'ARG': {
        for (const [k, v] of Object.entries(parseArg(ins.args))) args[k] = v ?? dockerfile.globalArgs[k];
        break;
      }
      case 'ENV':
        Object.assign(summary.env, parseEnv(ins.args, vars()));
        break;
      case 'WORKDIR':
        summary.workdir = resolvePosix(summary.workdir, expand(ins.args, vars()));
        break;
      case 'USER':
        summary.user = expand(ins.args, vars());
        break;
      case 'EXPOSE':
        summary.expose.push(...expand(ins.args, vars()).split(/\s+/).filter(Boolean));
        break;
      case 'HEALTHCHECK':
        summary.healthcheck = parseHealthcheck(ins);
        break;
      case 'CMD':
        summary.cmd = parseCommand(ins);
        break;
      case 'ENTRYPOINT':
        summary.entrypoint = parseCommand(ins);
        break;
      case 'STOPSIGNAL':
        summary.stopSignal = expand(ins.args, vars());
        break;
      case 'COPY':
        summary.copies.push(parseCopy(ins, vars()));
        break;
      case 'RUN':
        summary.runs.push(parseCommand(ins));
        break;
      default:
        break;
    }
  }
  return summary;
}

/** Resolves a container path against the current WORKDIR. */
export function resolvePosix(base: string, p: string): string {
  const parts = (p.startsWith('/') ? p : `${base}/${p}`).split('/');
  const out: string[] = [];
  for (const part of parts) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return `/${out.join('/')}`;
}

// ---------------------------------------------------------------------------------------------------
// .dockerignore

interface IgnoreRule {
  negate: boolean;
  regex: RegExp;
  pattern: string;
}

function globToRegex(pattern: string): RegExp {
  let re = '';
  for (let k = 0; k < pattern.length; k++) {
    const c = pattern[k]!;
    if (c === '*') {
      if (pattern[k + 1] === '*') {
        // `**` matches any number of directories, including none.
        k++;
        if (pattern[k + 1] === '/') {
          k++;
          re += '(?:.*/)?';
        } else {
          re += '.*';
        }
      } else {
        re += '[^/]*';
      }
    } else if (c === '?') {
      re += '[^/]';
    } else if (c === '[') {
      const end = pattern.indexOf(']', k + 1);
      if (end < 0) re += '\\[';
      else {
        re += `[${pattern.slice(k + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        k = end;
      }
    } else if (c === '\\' && k + 1 < pattern.length) {
      re += pattern[++k]!.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    } else {
      re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    }
  }
  return new RegExp(`^${re}$`);
}

export class DockerIgnore {
  readonly rules: IgnoreRule[];

  constructor(text: string) {
    this.rules = [];
    for (const rawLine of text.split(/\r?\n/)) {
      let line = rawLine.trim();
      if (line === '' || line.startsWith('#')) continue;
      const negate = line.startsWith('!');
      if (negate) line = line.slice(1).trim();
      // Docker cleans the pattern (filepath.Clean) and drops a leading slash: patterns are context-relative.
      const pattern = resolvePosix('/', line).slice(1);
      if (pattern === '') continue;
      this.rules.push({ negate, regex: globToRegex(pattern), pattern });
    }
  }

  get hasExceptions(): boolean {
    return this.rules.some((r) => r.negate);
  }

  /**
   * True when the context-relative path (forward slashes) is excluded. As in Docker, a pattern also
   * matches everything under a directory it matches, and the last matching rule wins.
   */
  ignores(relPath: string): boolean {
    const clean = resolvePosix('/', relPath).slice(1);
    const parents: string[] = [];
    const parts = clean.split('/');
    for (let k = 1; k <= parts.length; k++) parents.push(parts.slice(0, k).join('/'));
    let excluded = false;
    for (const rule of this.rules) {
      if (parents.some((p) => rule.regex.test(p))) excluded = !rule.negate;
    }
    return excluded;
  }
}
