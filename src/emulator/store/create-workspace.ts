import type {Workspace} from '../workspace.js'
import {CountWorkspace} from './count-workspace.js'
import {FullWorkspace} from './full-workspace.js'
import {MemoryRepository} from './memory-repository.js'
import {SqliteRepository} from './sqlite-repository.js'

export type StoreOption = 'memory' | 'count' | {sqlite: string}

export function createWorkspace(store: StoreOption = 'memory'): Workspace {
  if (store === 'count') return new CountWorkspace()
  if (store === 'memory') return new FullWorkspace(new MemoryRepository())
  return new FullWorkspace(new SqliteRepository(store.sqlite))
}
