/**
 * Step Functions state transitions, counted on the synthesized
 * definitions: every path from the start state to an end, each state
 * entered on it one transition (Standard workflows bill "each time a step
 * of your workflow is executed",
 * https://aws.amazon.com/step-functions/pricing/). Retries are left out:
 * they happen only on faults.
 */

import { atMost, type Row, row } from './table.js';
import {
  type StateMachineDefinition,
  stateMachineDefinitions,
  synthesize,
} from './template.js';

export interface Path {
  /** States entered, in order. */
  states: string[];
  /** How the path left each state that had a choice: `next`, `catch ...`. */
  via: string[];
  transitions: number;
}

const terminal = new Set(['Succeed', 'Fail']);

/** Every path through a definition; a state is entered once a path. */
export function paths(definition: StateMachineDefinition): Path[] {
  const out: Path[] = [];
  const walk = (name: string, states: string[], via: string[]) => {
    const state = definition.States[name];
    if (!state) throw new Error(`The definition has no state "${name}".`);
    if (states.includes(name)) return;
    const here = [...states, name];
    const exits: { next: string; how: string }[] = [];
    if (state.Next) exits.push({ next: state.Next, how: 'next' });
    for (const choice of state.Choices ?? []) {
      exits.push({ next: choice.Next, how: 'choice' });
    }
    if (state.Default) exits.push({ next: state.Default, how: 'default' });
    for (const c of state.Catch ?? []) {
      exits.push({ next: c.Next, how: `catch ${c.ErrorEquals.join(',')}` });
    }
    const ends = terminal.has(state.Type) || state.End === true;
    if (ends) {
      out.push({ states: here, via, transitions: here.length });
    }
    for (const exit of exits) walk(exit.next, here, [...via, exit.how]);
  };
  walk(definition.StartAt, [], []);
  return out;
}

/** The offer's outcomes on the expiry machine's paths. */
export function offerOutcomes(definition: StateMachineDefinition) {
  const all = paths(definition);
  const caught = all.filter((p) => p.via.some((v) => v.startsWith('catch')));
  const straight = all.filter((p) => !p.via.some((v) => v.startsWith('catch')));
  const most = (list: Path[]) => Math.max(0, ...list.map((p) => p.transitions));
  return {
    // A redeemed (or revoked) offer fails the update's condition: caught.
    redeemed: most(caught),
    expired: most(straight),
  };
}

export interface TransitionCounts {
  /** Per state machine logical id: its longest path. */
  longest: Record<string, number>;
  offer: { redeemed: number; expired: number };
}

export function countTransitions(): TransitionCounts {
  const definitions = stateMachineDefinitions(synthesize().template);
  const longest: Record<string, number> = {};
  let offer = { redeemed: Number.NaN, expired: Number.NaN };
  for (const [id, definition] of Object.entries(definitions)) {
    longest[id] = Math.max(...paths(definition).map((p) => p.transitions));
    if (/OfferExpiry/.test(id)) offer = offerOutcomes(definition);
  }
  return { longest, offer };
}

export async function transitionsBenchmark(): Promise<Row[]> {
  const counts = countTransitions();
  const rows = [
    row(
      'transitions per offer redeemed',
      counts.offer.redeemed,
      'transitions',
      null,
      atMost(3, 'value'),
    ),
    row(
      'transitions per offer expired',
      counts.offer.expired,
      'transitions',
      null,
      atMost(3, 'value'),
    ),
  ];
  for (const [id, n] of Object.entries(counts.longest)) {
    if (/OfferExpiry/.test(id)) continue;
    rows.push(row(`transitions longest path ${id}`, n, 'transitions'));
  }
  return rows;
}
