// How the report's findings name a setting (src/report/sections/wording.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { settingText } from '../../src/report/sections/wording.ts';

test('a setting is named with its value, and one a trial does not have is "unset", never undefined', () => {
  assert.equal(settingText('training.lambda', 0.1), 'λ = 0.1');
  assert.equal(settingText('dataset.train', ['data_batch_1']), 'dataset.train = [data_batch_1]');
  assert.equal(settingText('dataset.validation.holdout', undefined), 'dataset.validation.holdout unset');
  assert.equal(settingText('dataset.validation.parts', null), 'dataset.validation.parts unset');
  assert.equal(settingText('model.batch_norm', false), 'without batch normalization');
});
