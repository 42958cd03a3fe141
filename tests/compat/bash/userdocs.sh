#!/bin/bash
# Cronium's user docs: cronium functions are automatically available - no sourcing needed!

# Get input from previous event
input_data=$(cronium_input)
echo "Input: $input_data"

# Increment counter
counter=$(cronium_getVariable "COUNTER")
counter=${counter:-0}
new_counter=$((counter + 1))
cronium_setVariable "COUNTER" "$new_counter"

# Use variables with defaults
redis_host=$(cronium_getVariable "REDIS_HOST")
if [[ -z "$redis_host" ]]; then
    redis_host="localhost"
fi
cronium_setVariable "LAST_PROCESSED" "2025-06-17T10:30:00Z"

# Metadata
event_name=$(cronium_event | jq -r '.name')
echo "Event: $event_name, redis: $redis_host"

# Conditions
cronium_setCondition true
echo "Condition is now $(cronium_getCondition)"

cronium_output "{\"counter\": $new_counter, \"host\": \"$redis_host\"}"
