// The commands the tool prints (resume, re-run) must work when pasted into the same shell: they
// start the way this process was started and quote words the way that system's shell reads them.
import path from "node:path";

interface StartedAs {
  /** process.argv[1]: the script Node was given, a bin link or the compiled cli.js. */
  readonly script: string;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

/**
 * The words that start this program again: `mca-confirm` when installed, `npx --no-install
 * mca-confirm` under npx (which then never fetches from the registry), or `node <path>/cli.js`
 * when started as a script, with the path relative to the current folder when it is inside it.
 */
export function programWords(started: StartedAs): string[] {
  if (started.env.npm_command === "exec") return ["npx", "--no-install", "mca-confirm"];
  const script = started.script;
  // An installed command is a bin link (POSIX) or a shim that runs …/node_modules/mca-confirm/dist/cli.js (Windows).
  const installed = !/\.[cm]?js$/i.test(script) || /[\\/]node_modules[\\/]/.test(script);
  if (installed) return ["mca-confirm"];
  const relative = path.relative(started.cwd, script);
  const inside = relative !== "" && !relative.startsWith("..") && !path.isAbsolute(relative);
  return ["node", inside ? relative : script];
}

/** POSIX shells: single quotes, a quote inside written as '\''. */
function posixQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * PowerShell: single quotes take everything literally but a quote, written twice (also the
 * typographic ones PowerShell treats as quotes). Backslashes in paths need nothing; a bare comma
 * would make an array and a leading @ a splat, so those words are quoted.
 */
function powerShellQuote(word: string): string {
  return /^[\w=:./\\-]+$/.test(word) ? word : `'${word.replace(/['‘’‚‛]/g, "$&$&")}'`;
}

/** One word quoted for the shell users of `platform` type commands into (PowerShell on Windows). */
export function quoteWord(word: string, platform: NodeJS.Platform = process.platform): string {
  return platform === "win32" ? powerShellQuote(word) : posixQuote(word);
}

export function commandLine(words: readonly string[], platform: NodeJS.Platform = process.platform): string {
  return words.map((word) => quoteWord(word, platform)).join(" ");
}

/**
 * The same arguments with a `--proxy` password replaced by `<password>`: a printed command must
 * never show it, and the placeholder tells the user what to type back in.
 */
export function withoutProxyPassword(args: readonly string[]): string[] {
  const hide = (value: string): string => {
    const at = value.lastIndexOf("@");
    const scheme = value.indexOf("://");
    const start = scheme >= 0 ? scheme + 3 : 0;
    if (at < start) return value;
    const colon = value.indexOf(":", start);
    if (colon < 0 || colon > at) return value;
    return `${value.slice(0, colon + 1)}<password>${value.slice(at)}`;
  };
  return args.map((arg, i) => {
    if (arg.startsWith("--proxy=")) return `--proxy=${hide(arg.slice("--proxy=".length))}`;
    return i > 0 && args[i - 1] === "--proxy" ? hide(arg) : arg;
  });
}

/**
 * The options among `args` (a command's own words) named in `keep`, each with its value, in
 * their order, a proxy password hidden: what a printed follow-up command carries over so it
 * runs as printed (the same API, proxy, input mapping). `switches` take no value.
 */
export function carriedOptions(
  args: readonly string[],
  keep: ReadonlySet<string>,
  switches: ReadonlySet<string> = new Set(),
): string[] {
  const words = withoutProxyPassword(args);
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i];
    if (word === "--") break;
    const name = word.split("=")[0];
    if (!keep.has(name)) continue;
    out.push(word);
    if (!word.includes("=") && !switches.has(name) && i + 1 < words.length) out.push(words[++i]);
  }
  return out;
}
