// A Stryker ignorer: mutants inside a statement that only writes a log line of the manager
// (`ctx.log.info(...)`, `log.warning(...)`, ...) are reported as "ignored", not tested.
// The wording of a log line is not behaviour the model-based tests are meant to pin, so every
// such mutant would survive and bury the survivors that show real blind spots. Whether a
// WARNING or ERROR is logged at all is still tested: an ignorer hides mutants inside the call,
// and Stryker has no mutator that deletes the call or changes its level.
import { declareValuePlugin, PluginKind } from '@stryker-mutator/api/plugin';

const LEVELS = new Set(['debug', 'info', 'warning', 'error']);

/** `log.<level>(...)` or `<anything>.log.<level>(...)`. */
function isLogCall(expression) {
  if (expression?.type !== 'CallExpression') return false;
  const callee = expression.callee;
  if (callee.type !== 'MemberExpression' || callee.property.type !== 'Identifier' || !LEVELS.has(callee.property.name)) return false;
  const owner = callee.object;
  if (owner.type === 'Identifier') return owner.name === 'log';
  return owner.type === 'MemberExpression' && owner.property.type === 'Identifier' && owner.property.name === 'log';
}

export const logLineIgnorer = {
  shouldIgnore(path) {
    if (path.isExpressionStatement() && isLogCall(path.node.expression)) return 'a log line\'s wording is not behaviour under test';
    return undefined;
  },
};

export const strykerPlugins = [declareValuePlugin(PluginKind.Ignore, 'manager-log-lines', logLineIgnorer)];
