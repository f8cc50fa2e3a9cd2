/** The conformance suite against three Vault double processes (ipBase 127.44.0). */
import { defineConformance } from './conformance.js';
import { DoubleCluster, FAST_OPTIONS } from './support/double-cluster.js';

describe('vault conformance: the double', function () {
  this.timeout(30_000);
  const cluster = new DoubleCluster({ ipBase: '127.44.0', options: FAST_OPTIONS });
  before(async () => cluster.setup());
  after(async () => cluster.stop());
  defineConformance(() => cluster);
});
