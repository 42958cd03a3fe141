#!/bin/bash
set -euo pipefail
source /usr/local/bin/cronium.sh

processed_count=7
if [ "$processed_count" -gt 0 ]; then
    cronium_set_condition true
    cronium_send_slack_message "#notifications" "Processed $processed_count items" --username cronium-bot
else
    cronium_set_condition false
fi
cronium_send_discord_message "123456" "Backup done" --embed '{"title": "Backup", "description": "7 items"}'
result=$(cronium_execute_tool_action slack send_message '{"text": "raw action"}')
echo "Slack answered: $(echo "$result" | jq -r .status)"
cronium_output "done"
