import {inferValueType, type ValueType} from '../mapping/index.js'

/**
 * inferValueType, with a shortcut for the common case: text starting with an ASCII letter other than
 * t/f cannot be a boolean word, a number, a date or JSON, so it is a string without running the
 * regular expressions (half of validate's profiling time on a typical people file).
 */
export function valueTypeOf(value: unknown): ValueType {
  if (typeof value === 'string' && value.length > 0) {
    const c = value.charCodeAt(0) | 0x20 // ASCII lower case
    if (c >= 0x61 && c <= 0x7a && c !== 0x74 && c !== 0x66) return 'string'
  }
  return inferValueType(value)
}
