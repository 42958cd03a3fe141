// Cronium's user docs, with the `await` its helpers need (migration guide: "Node: synchronous calls").
(async () => {
  // Data flow
  const inputData = await cronium.input();
  console.log(`Input items: ${inputData.items.length}`);

  // Variables
  const counter = (await cronium.getVariable('COUNTER')) || 0;
  await cronium.setVariable('COUNTER', counter + 1);
  const redisHost = (await cronium.getVariable('REDIS_HOST')) || 'localhost';

  // Conditions
  await cronium.setCondition(true); // Trigger ON_CONDITION actions
  console.log(`Condition: ${await cronium.getCondition()}`);

  // Metadata
  const eventInfo = await cronium.event(); // Get current event details
  console.log(`Event: ${eventInfo.name} (${eventInfo.type})`);

  await cronium.output({ counter: counter + 1, host: redisHost });
})();
