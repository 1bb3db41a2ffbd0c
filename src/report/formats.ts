// Which files `nnlab report --format` writes: md (report.md), html (report.html), pdf (report.pdf,
// printed from the HTML), tex (report.tex with its figures as PDF) and png (every chart as a PNG).
// The charts' SVGs and Vega specs and the weight images are written whatever the formats.
import { UsageError } from '../errors.ts';

export const REPORT_FORMATS = ['md', 'html', 'pdf', 'tex', 'png'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** What nnlab report writes without --format (and nnlab run always): Markdown, HTML and PDF. */
export const DEFAULT_FORMATS: readonly ReportFormat[] = ['md', 'html', 'pdf'];

/** The formats of --format values: each a comma list ("md,tex"), the option repeatable; none: the default. */
export function parseFormats(values: string[] | undefined, where = 'report: --format'): Set<ReportFormat> {
  if (!values?.length) return new Set(DEFAULT_FORMATS);
  const out = new Set<ReportFormat>();
  for (const value of values)
    for (const part of value.split(',').map((s) => s.trim())) {
      if (!(REPORT_FORMATS as readonly string[]).includes(part))
        throw new UsageError(
          `${where} takes ${REPORT_FORMATS.join(', ')}, as a comma list or repeated (e.g. --format md,tex); got "${part}"${value !== part ? ` in "${value}"` : ''}`,
        );
      out.add(part as ReportFormat);
    }
  return out;
}
