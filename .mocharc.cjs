// Mocha runs the TypeScript specs through tsx (Node 20 has no type stripping).
module.exports = {
  spec: ['test/**/*.test.ts'],
  extension: ['ts'],
  'node-option': ['import=tsx'],
  timeout: 60000,
  exit: true,
};
