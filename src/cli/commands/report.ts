// `nnlab report FILE`: renders reports/<experiment>/ from the run store, without training.
import type { Args } from '../args.ts';

export async function run(args: Args): Promise<number> {
  const file = args.positionals[0];
  const { writeReport, NoRunsError, reportLine } = await import('../../report/index.ts');
  const { parseFormats } = await import('../../report/formats.ts');
  const formats = parseFormats(args.strings('format'));
  try {
    const out = await writeReport(file, {
      set: args.strings('set'),
      pdf: args.flag('no-pdf') ? false : undefined,
      formats,
      outDir: args.string('out'),
      log: (l) => console.error(l),
    });
    if (out.missing.length)
      console.error(
        `nnlab: ${out.missing.length} trial${out.missing.length === 1 ? ' is' : 's are'} not run yet (marked in the report): ${out.missing.join(', ')}; \`nnlab run ${file}\` trains them`,
      );
    console.log(reportLine(out));
    return 0;
  } catch (err) {
    if (err instanceof NoRunsError) {
      console.error(`nnlab: ${err.message}`);
      return 1;
    }
    throw err;
  }
}
