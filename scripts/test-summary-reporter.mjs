// A node:test reporter that writes one JSON line at the end: tests passed, failed and skipped (as
// node:test counts them: suites excluded), and per file the time its top-level tests took.
// scripts/run-tests.mjs adds it beside the spec reporter and prints the summary from it.
export default async function* summaryReporter(source) {
  const totals = { pass: 0, fail: 0, skipped: 0, todo: 0 };
  const files = {};
  const failed = [];
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const data = event.data;
    const file = data.file ?? '(unknown file)';
    if (data.nesting === 0) files[file] = (files[file] ?? 0) + (data.details?.duration_ms ?? 0);
    if (data.details?.type === 'suite') continue;
    if (data.skip !== undefined) totals.skipped++;
    else if (data.todo !== undefined) totals.todo++;
    else if (event.type === 'test:pass') totals.pass++;
    else {
      totals.fail++;
      failed.push({ file, name: data.name });
    }
  }
  yield `${JSON.stringify({ totals, files, failed })}\n`;
}
