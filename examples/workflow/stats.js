// stats: count, total and mean of the readings that have a value.
const { day, rows } = await cronium.input();
const values = rows.map((r) => r.value).filter((v) => v !== null);
const total = values.reduce((a, b) => a + b, 0);
const stats = { day, count: values.length, total, mean: values.length ? total / values.length : null };
console.log(`stats for ${day}: ${JSON.stringify(stats)}`);
await cronium.output(stats);
