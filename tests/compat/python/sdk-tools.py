import cronium

result = cronium.execute_tool_action("slack", "send_message", {"text": "raw action"})
print("Slack answered:", result["status"])
cronium.send_slack_message("#alerts", "Deploy finished", username="cronium-bot")
cronium.send_discord_message("987654", "Backup done", embeds=[{"title": "Backup"}])

try:
    cronium.send_slack_message("#alerts", "to a dead hook", credential="dead")
except cronium.CroniumAPIError as error:
    print("Failed as expected:", error.code)

cronium.set_condition("yes")
cronium.output("sent")
