// ESM entry: the same implementation as index.js (CommonJS), re-exported; not a copy.
import cronium from './index.js';

export const {
  input,
  output,
  getVariable,
  setVariable,
  deleteVariable,
  listVariables,
  setCondition,
  getCondition,
  event,
  toolAction,
  sendEmail,
  sendSlack,
  sendDiscord,
  CroniumError,
  OPERATIONS,
  VERSION,
} = cronium;

export default cronium;
