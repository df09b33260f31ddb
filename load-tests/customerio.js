// k6 version of `cio-backfill loadtest` with its default scenario, for teams that already run k6.
//
//   k6 run \
//     -e CUSTOMERIO_SITE_ID=... -e CUSTOMERIO_TRACK_API_KEY=... \
//     -e CUSTOMERIO_TRACK_URL=https://track.customer.io -e ALLOW_PRODUCTION=1 \
//     load-tests/customerio.js
//
// Open model: ramping-arrival-rate starts iterations on a schedule whatever the response times, so an
// iteration never pauses at its end. Each iteration sends ONE operation (identify or track, 1:1),
// for a person `lt-<run id>-<iteration>` carrying `_load_test: true`.
// Thresholds match the CLI defaults: p(95)<500 ms, p(99)<2000 ms, fewer than 50 errors, where an error
// is any status >= 400 (429 included) or a request with no response, as http_req_failed counts them.
// Customer.io has no separate staging host (a staging workspace is still track.customer.io), so
// Customer.io hosts need ALLOW_PRODUCTION=1 as a deliberate "this site id is a test workspace".
// Cleanup: the CLI's run records do not cover k6 runs; teardown prints the id prefix to delete.

import http from 'k6/http'
import {check} from 'k6'
import encoding from 'k6/encoding'
import exec from 'k6/execution'
import {Counter} from 'k6/metrics'

const SITE_ID = __ENV.CUSTOMERIO_SITE_ID
const API_KEY = __ENV.CUSTOMERIO_TRACK_API_KEY
const HOST = (__ENV.CUSTOMERIO_TRACK_URL || 'https://track.customer.io').replace(/\/+$/, '')
const BASE_URL = `${HOST}/api/v1`

const errors = new Counter('errors')

export const options = {
  scenarios: {
    customerio: {
      executor: 'ramping-arrival-rate',
      startRate: 10,
      timeUnit: '1s',
      // Sized for 80/s at up to ~600 ms per request; equals the CLI's --max-in-flight 50.
      // maxVUs = preAllocatedVUs: growing VUs mid-test skews results; k6 drops and counts instead.
      preAllocatedVUs: 50,
      maxVUs: 50,
      stages: [
        {duration: '30s', target: 50},
        {duration: '60s', target: 80},
        {duration: '30s', target: 10},
      ],
      gracefulStop: '30s',
    },
  },
  thresholds: {
    http_req_duration: ['p(95)<500', 'p(99)<2000'],
    errors: ['count<50'],
  },
}

export function setup() {
  if (!SITE_ID || !API_KEY) exec.test.abort('Set CUSTOMERIO_SITE_ID and CUSTOMERIO_TRACK_API_KEY')
  const hostname = HOST.replace(/^https?:\/\//, '').split(/[/:]/)[0]
  if ((hostname === 'customer.io' || hostname.endsWith('.customer.io')) && __ENV.ALLOW_PRODUCTION !== '1') {
    exec.test.abort(`Refusing to load test ${HOST}: set ALLOW_PRODUCTION=1 once you are sure the site id is a test workspace`)
  }

  // One id for the whole run, shared by every VU through setup()'s return value.
  return {runId: `k6${Date.now().toString(36)}`}
}

export default function (data) {
  const seq = exec.scenario.iterationInTest + 1
  const id = `lt-${data.runId}-${seq}`
  const params = {
    headers: {
      'Content-Type': 'application/json',
      Authorization: `Basic ${encoding.b64encode(`${SITE_ID}:${API_KEY}`)}`,
    },
    tags: {name: Math.random() < 0.5 ? 'identify' : 'track'},
  }

  const res =
    params.tags.name === 'identify'
      ? http.put(
          `${BASE_URL}/customers/${encodeURIComponent(id)}`,
          JSON.stringify({
            email: `${id}@loadtest.example.com`,
            _load_test: true,
            load_test_run: data.runId,
            load_test_seq: seq,
            created_at: Math.floor(Date.now() / 1000),
          }),
          params,
        )
      : http.post(
          `${BASE_URL}/customers/${encodeURIComponent(id)}/events`,
          JSON.stringify({name: 'load_test_event', data: {_load_test: true, load_test_run: data.runId, load_test_seq: seq}}),
          params,
        )

  check(res, {'status is 2xx': (r) => r.status >= 200 && r.status < 300})
  // status 0 means no response at all (connection error or timeout).
  if (res.status === 0 || res.status >= 400) errors.add(1)
}

export function teardown(data) {
  console.log(`Load test people are lt-${data.runId}-<n> (n from 1); delete them before reusing the workspace.`)
}
