import Cronium, { CroniumAPIError } from 'cronium';

const client = new Cronium();
const answer = await client.executeToolAction('slack', 'send_message', { text: 'raw action' });
console.log(`Slack answered: ${answer.status}`);
await client.sendSlackMessage({ channel: '#ops', text: 'Deploy finished', username: 'cronium-bot' });
await client.sendDiscordMessage({ channelId: '42', content: 'Backup done', embeds: [{ title: 'Backup' }] });
try {
  await Cronium.sendSlackMessage({ channel: '#ops', text: 'to a dead hook', credential: 'dead' });
} catch (error) {
  if (error instanceof CroniumAPIError) console.log(`Failed as expected: ${error.code}`);
}
await client.setCondition(true);
await client.output('sent');
