#!/bin/bash
set -euo pipefail
source /usr/local/bin/cronium.sh

# Set variables
cronium_set_variable "test_counter" "1"
cronium_set_variable "test_config" '{"mode": "test", "enabled": true}'
cronium_set_variable "test_timestamp" "$(date -u +%Y-%m-%d)"

# Get variables
counter=$(cronium_get_variable "test_counter")
config=$(cronium_get_variable "test_config")
echo "Counter: $counter"
echo "Mode: $(echo "$config" | jq -r .mode)"

# A variable nobody set: nothing, and the script goes on
missing=$(cronium_get_variable "never_set")
echo "Missing: [${missing:-none}]"

if cronium_variable_exists "test_counter"; then
  echo "Variable test_counter exists"
fi
if ! cronium_variable_exists "never_set"; then
  echo "Variable never_set does not exist"
fi

cronium_increment_variable "test_counter" >/dev/null
new_counter=$(cronium_increment_variable "test_counter" 10)
echo "Counter after increment: $new_counter"
cronium_append_variable "test_log" "first" ","
cronium_append_variable "test_log" "second" ","
cronium_delete_variable "test_timestamp"
cronium_delete_variable "test_timestamp"

# Process data and set condition
input=$(cronium_input)
items_processed=0
if [ -n "$input" ]; then
    items_processed=$(echo "$input" | jq '.items | length')
fi
if [ "$items_processed" -gt 0 ]; then
    cronium_set_condition yes
else
    cronium_set_condition no
fi

echo "Running $(cronium_event_field name) ($(cronium_event_field type)), id $(cronium_event_field id)"
echo "Not there: [$(cronium_event_field no_such_field)]"

output=$(jq -n --argjson count "$items_processed" --arg status "success" '{count: $count, status: $status}')
cronium_output "$output"
