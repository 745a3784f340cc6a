import { InputFileError } from "../errors.js";

/** Problems listed by name; past this many the rest are counted, so a wholly broken file stays readable. */
const LISTED_PROBLEMS = 20;

/**
 * The structural problems of one file, gathered in one pass so they can all be fixed before the
 * next try, instead of one line per run.
 */
export class StructureProblems {
  private readonly listed: InputFileError[] = [];
  private unlisted = 0;

  constructor(private readonly file: string) {}

  get count(): number {
    return this.listed.length + this.unlisted;
  }

  add(problem: InputFileError): void {
    if (this.listed.length < LISTED_PROBLEMS) this.listed.push(problem);
    else this.unlisted++;
  }

  /**
   * The error that ends the reading, if any: every problem met, with `stopping` (what stopped
   * the reading, already in the file's words) as the last. Anything but a problem of the file
   * (a read error of the disk) is passed on as it is.
   */
  ending(stopping?: unknown): unknown {
    if (stopping !== undefined) {
      if (this.count === 0 || !(stopping instanceof InputFileError)) return stopping;
      this.add(stopping);
    }
    return this.count > 0 ? this.error() : undefined;
  }

  /** One problem as it is; several as one error listing each with its line, then "and N more". */
  error(): InputFileError {
    if (this.count === 1) return this.listed[0];
    const lines = this.listed.map((problem) => `  ${problem.message}`);
    if (this.unlisted > 0) lines.push(`  … and ${this.unlisted} more`);
    return new InputFileError(
      this.file,
      `${this.count} lines cannot be read as CSV; nothing was sent. Fix them all, then try again:\n${lines.join("\n")}`,
      undefined,
      undefined,
      { cause: this.listed[0] },
    );
  }
}
