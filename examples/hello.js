// A Cronium event in Node.js: every helper, no import needed (cronium run and the runner images preload it).
const data = await cronium.input();          // the input given to this execution (null when there is none)
const who = data?.name ?? "world";
console.log(`Hello, ${who}!`);

const ctx = await cronium.event();           // the execution's context
console.log(`event ${ctx.event.name} (${ctx.event.type}), attempt ${ctx.attempt}, user ${ctx.userId}`);

const runs = await cronium.getVariable("hello.runs", 0);   // variables belong to the user and outlive the run
const written = await cronium.setVariable("hello.runs", runs + 1);
console.log(`this is run number ${runs + 1} (variable version ${written.version})`);

await cronium.setVariable("hello.scratch", { from: "node" });
console.log("variables:", (await cronium.listVariables("hello.")).map((v) => v.key));
await cronium.deleteVariable("hello.scratch");

// Tool actions use a credential stored in the runtime; the script never sees the secret.
try {
  await cronium.sendSlack(`Hello, ${who}!`);
} catch (error) {
  if (!(error instanceof cronium.CroniumError)) throw error;
  console.error(`sendSlack skipped: ${error.code} (${error.detail})`);
}

await cronium.output({ greeting: `Hello, ${who}!`, runs: runs + 1 });
await cronium.setCondition(runs + 1 >= 1);
