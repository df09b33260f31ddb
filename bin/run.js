#!/usr/bin/env node
import {execute} from '@oclif/core'

import {redactProcessOutput} from '../dist/cli/output-redaction.js'

// Before oclif starts: with DEBUG=* it prints argv, --api-key value included.
redactProcessOutput()
await execute({dir: import.meta.url})
