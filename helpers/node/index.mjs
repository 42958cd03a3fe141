// ESM entry: the same implementation as index.js (CommonJS), re-exported; not a copy.
// The default export is the module itself: Cronium's client class, whose static methods are the helpers.
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
  executeToolAction,
  sendSlackMessage,
  sendDiscordMessage,
  CroniumError,
  CroniumAPIError,
  CroniumTimeoutError,
  Cronium,
  OPERATIONS,
  VERSION,
} = cronium;

// Cronium's SDK exported its instance under this name.
const instance = cronium.cronium;
export { instance as cronium };

export default cronium;
