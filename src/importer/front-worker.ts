import {parentPort, workerData} from 'node:worker_threads'

import type {FrontJob} from './front-protocol.js'
import {serveFront} from './front.js'

// The worker thread's entry: the front half of an import (front.ts) on the thread's port.
if (parentPort) serveFront(workerData as FrontJob, parentPort)
