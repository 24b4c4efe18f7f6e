import type { Reporter, TestCase } from 'vitest/node';

// The suite retries a failed test once (vitest.config.ts): on a two-core CI machine running two
// daemons, radclient and a browser at once, a timing assertion can lose a race it wins alone.
// A retry must not hide anything, so every test that passed only on its retry is listed at the
// end of the run with the error of its first try, to be made steady rather than forgotten.

export default class FlakyReporter implements Reporter {
  private readonly flaky: string[] = [];

  onTestCaseResult(testCase: TestCase): void {
    if (!testCase.diagnostic()?.flaky) return;
    const first = testCase.result().errors?.[0]?.message?.split('\n')[0] ?? '(no message)';
    this.flaky.push(`  ${testCase.module.moduleId.replace(`${process.cwd()}/`, '')} > ${testCase.fullName}\n    first try: ${first}`);
  }

  onTestRunEnd(): void {
    if (this.flaky.length === 0) return;
    process.stderr.write(`\n${this.flaky.length} test(s) passed only on their retry; make them steady:\n${this.flaky.join('\n')}\n`);
  }
}
