import cronium from 'cronium';
import { cronium as instance, getVariable } from 'cronium';

const input = await cronium.input();
await instance.setVariable('greeting', `hello ${input.name}`);
console.log(await getVariable('greeting'));
const ctx = await cronium.event();
console.log(`flat: ${ctx.id} ${ctx.eventName}`);
await cronium.setCondition('off');
await cronium.output({ greeting: await cronium.getVariable('greeting') });
