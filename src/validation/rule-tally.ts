import type {LineExample, RuleCount} from './report.js'

/** Invalid rows per rule, with the first few examples of each; memory is bounded by the number of rules. */
export class RuleTally {
  private readonly byRule = new Map<string, RuleCount>()
  total = 0

  constructor(private readonly maxExamples = 5) {}

  add(rule: string, example: LineExample): void {
    this.total++
    let entry = this.byRule.get(rule)
    if (entry === undefined) {
      entry = {rule, count: 0, examples: []}
      this.byRule.set(rule, entry)
    }
    entry.count++
    if (entry.examples.length < this.maxExamples) entry.examples.push(example)
  }

  /** Most frequent rule first. */
  result(): RuleCount[] {
    return [...this.byRule.values()].sort((a, b) => b.count - a.count || a.rule.localeCompare(b.rule))
  }
}
