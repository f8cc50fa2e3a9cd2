// Not part of the suite (the suite runs *.test.ts): a tiny spec that
// test/reports/mocha-allure.test.ts runs through the allure-mocha reporter.
import { expect } from 'chai';
import * as allure from 'allure-js-commons';

describe('allure-mocha sample', () => {
  it('reports labels and a step to Allure', async () => {
    await allure.epic('Vault rekey');
    await allure.feature('reports');
    await allure.step('add', async () => {
      expect(1 + 1).to.equal(2);
    });
  });
  it('passes a second time', () => {
    expect([1, 2]).to.have.length(2);
  });
});
