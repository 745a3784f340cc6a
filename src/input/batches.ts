// Handing on the rows of a running parse: a chunk's rows at a time (batches()) or one by one
// (rows()), at most once, with every problem of the file thrown when the reading ends.
import type { InputRow } from "../types.js";
import type { InputHeader } from "./header-line.js";
import type { RecordReader } from "./records.js";

export interface OpenedInput {
  readonly header: InputHeader;
  /** The data rows in file order; may be called once. Throws InputFileError on broken CSV. */
  rows(): AsyncIterable<InputRow>;
  /**
   * The same rows as rows(), a chunk of the file's at a time, instead of rows(): a consumer that
   * handles rows synchronously then pays one await per chunk, not per row.
   */
  batches(): AsyncIterable<readonly InputRow[]>;
  close(): void;
}

/** The parse an opened input reads from, once its header has been read. */
interface RunningParse {
  readonly header: InputHeader;
  readonly reader: RecordReader;
  /** The parser's batches, the first of them already taken. */
  readonly iterator: AsyncIterator<InputRow[]>;
  /** The first batch; undefined when taking it failed. */
  readonly first: IteratorResult<InputRow[]> | undefined;
  /** Why taking the first batch failed: a broken data row, thrown by rows() like any later one. */
  readonly firstError: unknown;
  /** Stops the parse and the file's streams. */
  readonly close: () => void;
}

/** The opened file's rows(), batches() and close() over the running parse. */
export function openedInput(parse: RunningParse, stopAtFirstProblem: boolean | undefined): OpenedInput {
  const { header, reader, iterator, firstError, close } = parse;
  let first = parse.first;
  let used = false;
  /** Throws at once (not at the first next()) when the rows were already taken. */
  const batches = (): AsyncGenerator<readonly InputRow[]> => {
    if (used) throw new Error("OpenedInput.rows() may be called once");
    used = true;
    return readBatches();
  };
  const readBatches = async function* (): AsyncGenerator<readonly InputRow[]> {
    // Taken out of the closure, so the first chunk's rows are not held for the whole read.
    const start = first;
    first = undefined;
    try {
      if (start === undefined) throw firstError;
      for (let next = start; !next.done; next = await iterator.next()) {
        if (!stopAtFirstProblem || next.value[next.value.length - 1].rowNumber < reader.firstBroken) {
          yield next.value;
          continue;
        }
        const before = next.value.filter((row) => row.rowNumber < reader.firstBroken);
        if (before.length > 0) yield before;
        break;
      }
    } catch (err) {
      throw reader.problems.ending(reader.wrap(err));
    } finally {
      close(); // also when the caller stops early
    }
    const problem = reader.problems.ending();
    if (problem) throw problem;
  };
  return {
    header,
    close,
    batches,
    rows: () => {
      const taken = batches();
      return (async function* () {
        for await (const batch of taken) yield* batch;
      })();
    },
  };
}
