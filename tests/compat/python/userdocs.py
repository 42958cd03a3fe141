# Cronium's user docs: cronium is available with no import.

# Data flow
input_data = cronium.input()
print("Input:", input_data)

# Variables
counter = cronium.getVariable("COUNTER") or 0
cronium.setVariable("COUNTER", counter + 1)
redis_host = cronium.getVariable("REDIS_HOST") or "localhost"

# Metadata
event_info = cronium.event()
print("Event:", event_info["name"], event_info["type"])

# Conditions
cronium.setCondition(True)
print("Condition:", cronium.getCondition())

cronium.output({"counter": counter + 1, "host": redis_host, "items": len(input_data["items"])})
