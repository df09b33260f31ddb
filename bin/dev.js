#!/usr/bin/env -S node --import tsx --disable-warning=ExperimentalWarning
import {execute} from '@oclif/core'

import {redactProcessOutput} from '../src/cli/output-redaction.js'

// Before oclif starts: with DEBUG=* it prints argv, --api-key value included.
redactProcessOutput()
await execute({development: true, dir: import.meta.url})
