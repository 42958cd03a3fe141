#!/bin/bash
set -e
# Source the runtime helper
source cronium.sh

value=$(cronium_getVariable "key")
cronium_setVariable "key" "value"
cronium_setCondition false
event_info=$(cronium_event)
echo "id from the flat context: $(echo "$event_info" | jq -r .id)"
cronium_output "$(cronium_getVariable key)"
