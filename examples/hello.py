# A Cronium event in Python: every helper, no import needed (cronium run and the runner images preload it).
import sys

data = cronium.input()                      # the input given to this execution (None when there is none)
who = (data or {}).get("name", "world")
print(f"Hello, {who}!")

ctx = cronium.event()                       # the execution's context
print(f"event {ctx['event']['name']} ({ctx['event']['type']}), attempt {ctx['attempt']}, user {ctx['userId']}")

runs = cronium.getVariable("hello.runs", 0)  # variables belong to the user and outlive the run
written = cronium.setVariable("hello.runs", runs + 1)
print(f"this is run number {runs + 1} (variable version {written['version']})")

cronium.setVariable("hello.scratch", {"from": "python"})
print("variables:", [v["key"] for v in cronium.listVariables("hello.")])
cronium.deleteVariable("hello.scratch")

# Tool actions use a credential stored in the runtime; the script never sees the secret.
try:
    cronium.sendSlack(f"Hello, {who}!")
except cronium.CroniumError as error:
    print(f"sendSlack skipped: {error.code} ({error.detail})", file=sys.stderr)

cronium.output({"greeting": f"Hello, {who}!", "runs": runs + 1})
cronium.setCondition(runs + 1 >= 1)
