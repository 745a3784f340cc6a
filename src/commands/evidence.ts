import type { RunConfig } from "../config.js";
import type { RunResult } from "../output/run-result.js";
import { checkReportColumn, writeReport } from "../report/index.js";
import type { RunMetadata } from "../report/run-log.js";
import { VERSION } from "./help.js";

/** What the run's summary adds about its evidence: the report written, and any warning. */
interface RunEvidence {
  readonly report?: string;
  readonly warnings: string[];
}

/** The run's own account of itself, for its report when the log says less (--log-level warn). */
function metadataOf(config: RunConfig, report: RunResult, resumeCommand?: string): Partial<RunMetadata> {
  const options: Record<string, string> = {};
  for (const [name, value] of Object.entries(config))
    if (value !== undefined && typeof value !== "object") options[name] = String(value);
  return {
    version: VERSION,
    startedAt: report.startedAt,
    endedAt: new Date().toISOString(),
    input: config.input,
    inputSha256: report.fingerprint?.replace(/^sha256:/, ""),
    options,
    map: Object.fromEntries(config.map),
    templateId: report.templateId,
    baseUrl: config.baseUrl,
    partnerTenantId: report.partnerTenantId,
    resumeCommand,
    signedInUser: report.signedInUser,
  };
}

/** Before a run sends anything: its --report-column must name an input column that is no contact column. */
export async function checkRunEvidence(config: RunConfig): Promise<void> {
  if (config.report && config.reportColumn !== undefined)
    await checkReportColumn(config.input, config.reportColumn, config.map);
}

/**
 * After `run`: the HTML report (unless --no-report) from the results and the log just written;
 * after `validate`: only the --date-format check, which the validation made row by row (reading
 * the validation file back would parse every row a second time). A report that cannot be
 * written costs the run nothing: the summary says so. `resumeCommand`, for a run that stopped
 * and can be resumed, is the report's verdict.
 */
export async function writeRunEvidence(
  config: RunConfig,
  report: RunResult,
  resumeCommand?: string,
): Promise<RunEvidence> {
  if (config.command === "validate") return { warnings: report.dateWarning ? [report.dateWarning] : [] };
  const reportOut = config.report;
  try {
    const { digest } = await writeReport({
      results: [config.out],
      logs: [config.command === "run" ? config.logFile : undefined],
      metadata: metadataOf(config, report, resumeCommand),
      dateFormat: config.dateFormat,
      reportOut,
      reportColumn: config.reportColumn,
      toolVersion: VERSION,
    });
    return { report: reportOut, warnings: digest.dateWarning ? [digest.dateWarning] : [] };
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return { warnings: [`the report could not be written: ${why}`] };
  }
}
