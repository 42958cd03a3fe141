import asyncio
from datetime import datetime

import cronium
from cronium import Cronium, AsyncCronium, CroniumAPIError, CroniumError

# Set variables
print("Setting variables...")
cronium.set_variable("test_counter", 1)
cronium.set_variable("test_config", {"mode": "test", "enabled": True})
cronium.set_variable("test_timestamp", datetime.utcnow().isoformat())

# Get variables
counter = cronium.get_variable("test_counter")
config = cronium.get_variable("test_config")
print(f"Counter: {counter}")
print(f"Config mode: {config['mode']}")

# Test non-existent variable
missing = cronium.get_variable("non_existent_var")
print(f"Missing variable: {missing}")

# The client object
client = Cronium()
client.set_variable("test_counter", client.get_variable("test_counter") + 1)

# Errors are Cronium's classes
try:
    cronium.delete_variable("never_there")
except CroniumAPIError as e:
    print(f"API error {e.status_code}: {e.code}")


async def main():
    async with AsyncCronium() as c:
        ctx = await c.event()
        print(f"Async event: {ctx['name']} ({ctx['eventType']})")
        await c.set_variable("async_done", True)


asyncio.run(main())

# Process data
data = cronium.input()
items_processed = 0
if data and isinstance(data, list):
    for item in data:
        items_processed += 1

# Set condition based on results
cronium.set_condition(items_processed > 0)
cronium.output({"items_processed": items_processed})
