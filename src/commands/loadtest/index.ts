import {writeFile} from 'node:fs/promises'
import path from 'node:path'

import {Errors, Flags, type Interfaces} from '@oclif/core'
import {ulid} from 'ulid'

import {BaseCommand} from '../../cli/base-command.js'
import {openBudget, type OpenedBudget} from '../../cli/budget.js'
import {ExitCode} from '../../cli/exit-codes.js'
import {budgetFlags} from '../../cli/import-flags.js'
import {resolveTarget, targetFlags} from '../../cli/target-flags.js'
import {choiceFlag} from '../../cli/flag-kinds.js'
import {preflightFailure} from '../../cli/user-errors.js'
import {BudgetLostError, BudgetStoppedError} from '../../sending/rate-budget.js'
import {isProductionHost, type TrackTarget} from '../../target/track-target.js'
import {LiveDisplay} from '../../loadtest/live-display.js'
import {MixSpecError} from '../../loadtest/mix.js'
import {PreflightError} from '../../loadtest/preflight.js'
import {RunRecordError} from '../../loadtest/run-record.js'
import {runLoadTest} from '../../loadtest/runner.js'
import {DEFAULT_SCENARIO, type Scenario, ScenarioError, scenarioFromFlags} from '../../loadtest/scenario-flags.js'
import {StageSpecError} from '../../loadtest/stages.js'
import {type LoadTestSummary, renderSummary} from '../../loadtest/summary.js'
import {ThresholdSyntaxError} from '../../loadtest/thresholds.js'

/** The cleanup command to run next, repeating the flags that locate the workspace and the record (never the key). */
function cleanupHint(runId: string, flags: Interfaces.InferredFlags<typeof LoadTest.flags>, embeddedEmulator: boolean): string {
  if (embeddedEmulator) return 'nothing to clean up: they lived in the embedded emulator, which ended with this command'
  const parts = ['cio-backfill loadtest cleanup', runId]
  if (flags.endpoint) parts.push('--endpoint', flags.endpoint)
  else if (flags.region !== 'us') parts.push('--region', flags.region)
  if (flags['state-dir']) parts.push('--state-dir', flags['state-dir'])
  return `remove them with: ${parts.join(' ')} (same --site-id/--api-key)`
}

/** import's --rate default: a budget named without a rate is the one imports share by default. */
const DEFAULT_BUDGET_RATE = 80

export default class LoadTest extends BaseCommand {
  static override id = 'loadtest'
  static override summary = 'Open-model load test of a Track API workspace (k6 ramping-arrival-rate semantics)'
  static override description = `Arrivals start on a schedule computed from the stage curve, whatever the response times; each sends one identify/track call (v1) or one batch (v2) for a person "lt-<run id>-<n>" carrying _load_test: true.

Thresholds use k6 syntax and are checked every 2 s and at the end; a failed threshold exits 99. The run is recorded so that "loadtest cleanup RUN_ID" can delete every person it created.

With --budget the arrivals share a rate budget held in Redis with the imports, queue workers and Kafka consumers that name it (see README "Scaling out"): each arrival takes a permit without waiting, and one that finds none free is dropped and counted as "budget" (operations.droppedByBudget), so the schedule stays open-model and the workspace never sees more than --rate in any sliding second from all of them together. A 429 seen by the load test pauses and slows every sender of the budget, as theirs do.`

  static override examples = [
    '<%= config.bin %> loadtest --emulator',
    '<%= config.bin %> loadtest --emulator --stages 10s:100,20s:100 --start-rate 20 --threshold "p(99)<300" --abort-on-fail',
    'CIO_SITE_ID=... CIO_API_KEY=... <%= config.bin %> loadtest --allow-production --stages 30s:5,60s:8 --start-rate 1',
    '<%= config.bin %> loadtest --emulator --api v2 --batch-size 50 --summary-export summary.json',
    '<%= config.bin %> loadtest --stages 60s:50 --budget redis://127.0.0.1:6379 --rate 200   # beside imports sharing --rate 200',
  ]

  static override enableJsonFlag = true

  static override flags = {
    ...targetFlags,
    stages: Flags.string({
      description: 'comma-separated duration:target stages; each ramps linearly to target arrivals/s',
      default: DEFAULT_SCENARIO.stages,
    }),
    'start-rate': Flags.string({description: 'arrivals per second at the start of the first stage', default: DEFAULT_SCENARIO.startRate}),
    mix: Flags.string({description: 'relative weights of identify and track operations', default: DEFAULT_SCENARIO.mix}),
    api: choiceFlag({description: 'v1: one call per arrival; v2: one /api/v2/batch per arrival', choices: ['v1', 'v2'] as const, default: 'v1'}),
    'batch-size': Flags.integer({description: 'entries per v2 batch', default: 10, min: 1, max: 1000}),
    threshold: Flags.string({
      description: 'k6-style threshold, repeatable, replaces the defaults: [metric] aggregation op value, e.g. "p(95)<500", "errors count<50", "http_req_failed rate<0.01"',
      multiple: true,
      default: [...DEFAULT_SCENARIO.thresholds],
    }),
    'max-errors': Flags.integer({description: 'error budget: fails when errors (status >= 400 incl. 429, network errors) reach this', default: DEFAULT_SCENARIO.maxErrors, min: 1}),
    'no-thresholds': Flags.boolean({description: 'evaluate no thresholds (not even --max-errors)', default: false}),
    'abort-on-fail': Flags.boolean({description: 'stop starting arrivals as soon as a threshold fails (checked every 2 s)', default: false}),
    'max-in-flight': Flags.integer({description: 'concurrency cap; arrivals beyond it are dropped and counted', default: 50, min: 1}),
    timeout: Flags.string({description: 'per-request timeout (500ms, 10s, 2m, or a bare number of seconds)', default: '10s'}),
    'graceful-stop': Flags.string({description: 'how long in-flight operations may finish after the last arrival (same duration syntax)', default: '30s'}),
    'allow-production': Flags.boolean({description: "allow Customer.io's own hosts (track.customer.io, track-eu.customer.io)", default: false}),
    'summary-export': Flags.string({description: 'also write the summary JSON to this file'}),
    'state-dir': Flags.string({description: 'directory of load-test run records (default: <data dir>/loadtests)'}),
    quiet: Flags.boolean({char: 'q', description: 'no live progress line on stderr', default: false, env: 'CIO_BACKFILL_QUIET'}),
    budget: budgetFlags.budget,
    'budget-key': budgetFlags['budget-key'],
    rate: Flags.integer({
      description:
        'with --budget: the shared budget, requests per second in any sliding second; an arrival finding no permit free is dropped and counted as "budget", never delayed [default: 80, as import]',
      min: 1,
      max: 1000,
      dependsOn: ['budget'],
      helpGroup: 'PACING',
    }),
  }

  public async run(): Promise<LoadTestSummary> {
    const {flags} = await this.parse(LoadTest)
    let scenario: Scenario
    try {
      scenario = scenarioFromFlags(flags)
    } catch (error) {
      if (error instanceof ScenarioError || error instanceof StageSpecError || error instanceof MixSpecError || error instanceof ThresholdSyntaxError) {
        throw new Errors.CLIError(error.message, {exit: ExitCode.Usage})
      }

      throw error
    }

    const {target, emulator} = await resolveTarget(flags)
    try {
      if (isProductionHost(target.host) && !flags['allow-production']) {
        throw new Errors.CLIError(
          `Refusing to load test ${target.host}, a Customer.io production host. Staging workspaces live on the same host, ` +
            'so pass --allow-production once you are sure this site id is a disposable test workspace.',
          {exit: ExitCode.Usage},
        )
      }

      const rate = flags.rate ?? DEFAULT_BUDGET_RATE
      const opened = await openBudget({...flags, 'budget-outage-limit': 60}, target, rate)
      try {
        return await this.runWithSignals(flags, scenario, target, emulator !== undefined, opened && {permits: opened.budget, key: opened.key, rate})
      } finally {
        await opened?.budget.close()
      }
    } catch (error) {
      // The record is written before the first request; no record, no run (cleanup would be impossible).
      if (error instanceof RunRecordError) throw new Errors.CLIError(error.message, {exit: ExitCode.Usage})
      if (error instanceof PreflightError) throw preflightFailure(error)
      // Only while waiting for the permit of the credential check: arrivals themselves never wait.
      if (error instanceof BudgetLostError) throw new Errors.CLIError(error.message, {exit: ExitCode.RetriesExhausted})
      if (error instanceof BudgetStoppedError) throw new Errors.CLIError('interrupted before the first arrival', {exit: ExitCode.Interrupted})
      throw error
    } finally {
      await emulator?.close()
    }
  }

  private async runWithSignals(
    flags: Interfaces.InferredFlags<typeof LoadTest.flags>,
    scenario: Scenario,
    target: TrackTarget,
    embeddedEmulator: boolean,
    budget: {permits: OpenedBudget['budget']; key: string; rate: number} | undefined,
  ): Promise<LoadTestSummary> {
    const interrupt = new AbortController()
    // First Ctrl-C: stop arrivals, let in-flight operations finish, still print the summary. Second: leave now.
    const onSigint = () => {
      if (interrupt.signal.aborted) process.exit(130)
      this.logToStderr('Interrupted: no new arrivals; waiting for operations in flight (Ctrl-C again to quit now).')
      interrupt.abort()
    }

    process.on('SIGINT', onSigint)
    let display: LiveDisplay | undefined
    const runId = ulid().toLowerCase()
    try {
      const summary = await runLoadTest({
        target,
        runId,
        ...scenario,
        api: flags.api,
        batchSize: flags['batch-size'],
        maxInFlight: flags['max-in-flight'],
        abortOnFail: flags['abort-on-fail'],
        budget,
        stateDir: flags['state-dir'] ?? path.join(this.config.dataDir, 'loadtests'),
        signal: interrupt.signal,
        onWarning: (message) => this.warn(message),
        onStart: (read) => {
          if (flags.quiet) return
          display = new LiveDisplay({stream: process.stderr, read})
          display.start()
        },
      })
      display?.stop()
      display = undefined
      // The same object --json prints, warnings included.
      if (flags['summary-export']) await writeFile(flags['summary-export'], JSON.stringify(this.toSuccessJson(summary), null, 2) + '\n')
      this.log(renderSummary(summary, cleanupHint(summary.runId, flags, embeddedEmulator)))
      if (!summary.passed) process.exitCode = ExitCode.ThresholdFailed
      else if (summary.aborted === 'signal') process.exitCode = ExitCode.Interrupted
      return summary
    } finally {
      display?.stop()
      process.off('SIGINT', onSigint)
    }
  }
}
