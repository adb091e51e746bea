// OPERATOR_MFA (ADR 023): required by default wherever real Stripe keys are used, optional by
// default only for the simulated demo, never optional in live mode, and a bad value stops
// start-up naming the variable.
import { describe, expect, it } from 'vitest';
import {
  simulatedEnv as simulated,
  testModeEnv as testMode,
  liveEnv as live,
  configProblems as problems,
} from '../helpers/config-env.ts';
import { loadConfig } from '../../src/config.ts';

describe('OPERATOR_MFA', () => {
  it('when live mode is asked for optional, then start-up is refused naming the variable', () => {
    expect(problems({ ...live, OPERATOR_MFA: 'optional' })).toEqual([
      'OPERATOR_MFA: must be required in live mode (operators sign in with a second factor)',
    ]);
  });

  it('when it is unset, then live and test mode require a second factor and the simulated demo does not', () => {
    expect(loadConfig(live).operatorMfa).toBe('required');
    expect(loadConfig({ ...live, OPERATOR_MFA: 'required' }).operatorMfa).toBe('required');
    expect(loadConfig(testMode).operatorMfa).toBe('required');
    expect(loadConfig(simulated).operatorMfa).toBe('optional');
    expect(loadConfig({ ...simulated, OPERATOR_MFA: 'required' }).operatorMfa).toBe('required');
  });

  it('when the value is neither required nor optional, then start-up is refused naming it', () => {
    expect(problems({ ...simulated, OPERATOR_MFA: 'off' })).toEqual([
      'OPERATOR_MFA: must be required or optional',
    ]);
  });
});
