import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CONNECTION_REUSE_OPTIONS, setsReuseOption } from '../../src/conn/factory.js';
import { isAllowed, type TransferState } from '../../src/multi/states.js';

/** libcurl's multistate moves as the engine makes them (any state before completed may also fail to it). */
const MOVES: Record<TransferState, TransferState[]> = {
  init: ['setup'],
  pending: ['connect'],
  setup: ['connect'],
  connect: ['pending', 'resolving', 'connecting', 'do'],
  resolving: ['connecting'],
  connecting: ['protoconnect'],
  protoconnect: ['do'],
  do: ['doing', 'did', 'setup'],
  doing: ['did', 'setup'],
  did: ['performing'],
  performing: ['ratelimiting', 'done', 'setup'],
  ratelimiting: ['performing'],
  done: ['completed', 'setup'],
  completed: ['msgsent'],
  msgsent: [],
};
const STATES = Object.keys(MOVES) as TransferState[];

describe('transfer states', () => {
  it('allows exactly the listed moves, and completed from any state before it', () => {
    for (const from of STATES) {
      for (const to of STATES) {
        const expected =
          MOVES[from].includes(to) || (to === 'completed' && from !== 'completed' && from !== 'msgsent');
        assert.equal(isAllowed(from, to), expected, `${from} -> ${to}`);
      }
    }
  });
});

describe('setsReuseOption', () => {
  it('is true for each option that keeps connections apart, false without any', () => {
    assert.equal(setsReuseOption({}), false);
    for (const name of CONNECTION_REUSE_OPTIONS) {
      assert.equal(setsReuseOption({ [name]: name === 'httpVersion' ? 2 : 'x' }), true, name);
    }
  });
});
