const cronium = require("cronium");
const { CroniumAPIError } = require("cronium");

async function test() {
  // Set variables
  await cronium.setVariable("counter", 1);
  await cronium.setVariable("last_run", new Date().toISOString());
  await cronium.setVariable("config", { mode: "test", debug: true });

  // Get variables
  const counter = await cronium.getVariable("counter");
  const config = await cronium.getVariable("config");
  console.log(`Counter: ${counter}, Config mode: ${config.mode}`);
  console.log(`Missing: ${await cronium.getVariable("never_set")}`);

  // Update counter
  await cronium.setVariable("counter", counter + 1);

  // Process data
  const data = await cronium.input();
  let itemsProcessed = 0;
  if (Array.isArray(data)) {
    for (const item of data) {
      itemsProcessed++;
    }
  }

  try {
    await cronium.deleteVariable("never_set");
  } catch (error) {
    if (error instanceof CroniumAPIError) console.log(`API error ${error.statusCode}`);
  }

  // Set condition based on results
  await cronium.setCondition(itemsProcessed > 0);
  await cronium.output({ itemsProcessed });
}

test().catch((error) => {
  console.error(error);
  process.exit(1);
});
